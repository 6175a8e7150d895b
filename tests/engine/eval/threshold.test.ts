import assert from 'node:assert/strict';
import { test } from 'node:test';
import { thresholdCounts } from '../../../src-main/engine/eval/evaluation-job';

test('two-class threshold sweep: class 1 where its probability reaches the threshold; ignored pixels never count', () => {
  // Four pixels, p(class 1) = 0.2, 0.45, 0.6, 0.9; truth 0, 1, 0, 1; the fifth pixel is ignored (255).
  const probs = Float32Array.from([0.8, 0.2, 0.55, 0.45, 0.4, 0.6, 0.1, 0.9, 0, 1]);
  const labels = Uint8Array.from([0, 1, 0, 1, 255]);
  assert.deepEqual(thresholdCounts(probs, labels, 0.5), [
    { tp: 1, fp: 1, fn: 1 },
    { tp: 1, fp: 1, fn: 1 },
  ]);
  // At 0.4 pixel 2 (truth 1, p 0.45) turns right: class 1 tp 2; pixel 3 is still a false positive.
  assert.deepEqual(thresholdCounts(probs, labels, 0.4), [
    { tp: 1, fp: 0, fn: 1 },
    { tp: 2, fp: 1, fn: 0 },
  ]);
  assert.deepEqual(thresholdCounts(probs, labels, 0.95), [
    { tp: 2, fp: 2, fn: 0 },
    { tp: 0, fp: 0, fn: 2 },
  ]);
});
