import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizationFor, parseNormalizeOption } from '../../src-shared/external-model';

test('--normalize takes imagenet, none, or MEAN,STD with one value or one per channel', () => {
  assert.equal(parseNormalizeOption('ImageNet'), 'imagenet');
  assert.equal(parseNormalizeOption('none'), 'none');
  assert.deepEqual(parseNormalizeOption('0.5,0.25'), { mean: [0.5], std: [0.25] });
  assert.deepEqual(parseNormalizeOption('0.485/0.456/0.406,0.229/0.224/0.225'), { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.match((parseNormalizeOption('0.5') as { problem: string }).problem, /give imagenet, none, or MEAN,STD on 0\.\.1 pixels/);
  assert.match((parseNormalizeOption('0.5,abc') as { problem: string }).problem, /is not valid/);
  assert.match((parseNormalizeOption('0.5,0') as { problem: string }).problem, /the std must be above 0/);
});

test('normalisations are scaled to 8-bit pixel values, per channel', () => {
  const imagenet = normalizationFor('imagenet', 3);
  assert.ok('normalization' in imagenet);
  assert.deepEqual(
    imagenet.normalization.mean.map((m) => +m.toFixed(3)),
    [123.675, 116.28, 103.53],
  );
  assert.deepEqual(
    imagenet.normalization.std.map((s) => +s.toFixed(3)),
    [58.395, 57.12, 57.375],
  );
  const none = normalizationFor('none', 3);
  assert.ok('normalization' in none);
  assert.deepEqual(none.normalization, { mean: [0, 0, 0], std: [255, 255, 255] });
  const one = normalizationFor({ mean: [0.5], std: [0.25] }, 3);
  assert.ok('normalization' in one);
  assert.deepEqual(one.normalization, { mean: [127.5, 127.5, 127.5], std: [63.75, 63.75, 63.75] });
  assert.match((normalizationFor('imagenet', 4) as { problem: string }).problem, /ImageNet normalisation is for 3-channel RGB images/);
  assert.match(
    (normalizationFor({ mean: [0.1, 0.2], std: [1] }, 3) as { problem: string }).problem,
    /The mean has 2 values; the dataset's images have 3 channels \(give 1 or 3\)/,
  );
});
