import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressClock } from '../../../src-main/engine/train/progress-clock';

test('one bar over training steps and validation images; time left counts both at their own pace', () => {
  let now = 0;
  // 2 epochs of 3 steps and 4 validation images: 14 units.
  const clock = new ProgressClock(2, 3, 4, () => now);
  assert.equal(clock.total, 14);
  now += 2000;
  // Step 1 took 2 s; 5 steps left, validation pace unknown: 10 s, training only.
  assert.deepEqual(clock.step(0, 1), { done: 1, total: 14, etaSeconds: 10 });
  assert.equal(clock.knowsValidation, false);
  now += 2000;
  clock.step(0, 2);
  now += 2000;
  assert.deepEqual(clock.step(0, 3), { done: 3, total: 14, etaSeconds: 6 });
  // Validation images take 5 s each: after the first, 3 + 4 images and 3 steps are left.
  now += 5000;
  assert.deepEqual(clock.validated(0, 1), { done: 4, total: 14, etaSeconds: 3 * 2 + 7 * 5 });
  assert.equal(clock.knowsValidation, true);
  for (let i = 2; i <= 4; i += 1) {
    now += 5000;
    clock.validated(0, i);
  }
  // A checkpoint save between epochs is not counted as step time.
  now += 60_000;
  clock.mark();
  now += 2000;
  assert.deepEqual(clock.step(1, 1), { done: 8, total: 14, etaSeconds: 2 * 2 + 4 * 5 });
  now += 5000;
  clock.step(1, 2);
  now += 1000;
  clock.step(1, 3);
  for (let i = 1; i <= 4; i += 1) {
    now += 5000;
    const last = clock.validated(1, i);
    if (i === 4) assert.deepEqual(last, { done: 14, total: 14, etaSeconds: 0 });
  }
});
