import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ttaViews } from '../../src-shared/evaluations';
import { centredOrigin, drawWeight, exposure, replicationRepeats } from '../../src-shared/recipes';

// Four 10x10 images; classes 0 = background, 1 = minority.
const images = [
  { id: 1, totalPixels: 100, classPixels: [100, 0] },
  { id: 2, totalPixels: 100, classPixels: [96, 4] },
  { id: 3, totalPixels: 100, classPixels: [95, 5] },
  { id: 4, totalPixels: 100, classPixels: [60, 40] },
];

test('replication repeats the images whose class share reaches the threshold, k times', () => {
  assert.deepEqual(replicationRepeats(images, [1], 0.05, 2), { '3': 2, '4': 2 });
  assert.deepEqual(replicationRepeats(images, [1], 0.04, 3), { '2': 3, '3': 3, '4': 3 });
  assert.deepEqual(replicationRepeats(images, [1], 0.5, 2), {});
  assert.deepEqual(replicationRepeats(images, [1], 0.05, 1), {}, 'k = 1 changes nothing');
  // A share of 0 still needs the class to be present.
  assert.deepEqual(replicationRepeats(images, [1], 0, 2), { '2': 2, '3': 2, '4': 2 });
});

test('exposure: the expected pixel share per class under the sampler', () => {
  // Uniform: (0 + 4 + 5 + 40) / 400 minority pixels.
  assert.deepEqual(exposure(images, [0, 1], () => 1), [351 / 400, 49 / 400]);
  // Replication x2 of images 3 and 4: minority (4 + 10 + 80) / (100 + 100 + 200 + 200).
  const repeats = replicationRepeats(images, [1], 0.05, 2);
  const after = exposure(images, [0, 1], (id) => drawWeight(id, undefined, repeats));
  assert.ok(Math.abs(after[1]! - 94 / 600) < 1e-12);
  // Combined with hard-sample weights: weight 4 on image 2 and replication: (16 + 10 + 80) / (400 + 100 + 200 + 200).
  const combined = exposure(images, [0, 1], (id) => drawWeight(id, { '2': 4 }, repeats));
  assert.ok(Math.abs(combined[1]! - 106 / 900) < 1e-12);
  assert.equal(drawWeight(9, { '2': 4 }, repeats), 1, 'an image with neither counts once');
});

test('a centred crop stays inside the image, and is centred (padded) when the image is smaller', () => {
  // 100 px axis, 32 px crop: its pixel 16 is pixel 50 -> it starts at 34.
  assert.equal(centredOrigin(50, 32, 100), 34);
  assert.equal(centredOrigin(2, 32, 100), 0, 'shifted right at the left edge');
  assert.equal(centredOrigin(99, 32, 100), 68, 'shifted left at the right edge');
  assert.equal(centredOrigin(5, 32, 20), -6, 'a 20 px image in a 32 px crop: 6 px of padding each side');
});

test('TTA views: scale 1 first, then each extra scale, each plain and mirrored both ways when flips are on', () => {
  assert.deepEqual(ttaViews({ flips: false, scales: [] }), [{ scale: 1, flip: 'none' }]);
  assert.deepEqual(ttaViews({ flips: true, scales: [0.75, 1] }), [
    { scale: 1, flip: 'none' },
    { scale: 1, flip: 'x' },
    { scale: 1, flip: 'y' },
    { scale: 0.75, flip: 'none' },
    { scale: 0.75, flip: 'x' },
    { scale: 0.75, flip: 'y' },
  ]);
});
