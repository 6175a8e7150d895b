import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ttaViews } from '../../src-shared/evaluations';
import { centredOrigin, cropExposure, drawWeight, exposure, minorityCropShares, replicationRepeats } from '../../src-shared/recipes';

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
  assert.deepEqual(
    exposure(images, [0, 1], () => 1),
    [351 / 400, 49 / 400],
  );
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

test('minority-centred crops: the mean composition of a crop around each minority pixel, by hand', () => {
  // 6x1 strip: classes 0 0 1 0 2 2; one minority pixel (class 1) at x = 2; crops 2 wide.
  // centredOrigin(2, 2, 6) = 1: the crop covers x = 1..2 -> one pixel of 0 and one of 1 (height 1 of 2: half the area).
  const strip = [0, 0, 1, 0, 2, 2];
  assert.deepEqual(minorityCropShares(strip, 6, 1, [1], 2, 3), [1 / 4, 1 / 4, 0]);
  // 4x4 with minority pixels (class 1) at (0,0) and (3,3), crop side 2: each crop stays inside the image.
  // (0,0): origin 0 -> pixels (0..1, 0..1) = 1, 0, 0, 0. (3,3): origin 2 -> pixels (2..3, 2..3) = 2, 2, 2, 1.
  const grid = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 2, 1];
  assert.deepEqual(minorityCropShares(grid, 4, 4, [1], 2, 3), [(3 / 4 + 0) / 2, (1 / 4 + 1 / 4) / 2, (0 + 3 / 4) / 2]);
  // Ignored pixels (-1) count for nothing; no minority pixel -> null (the loader draws a random crop).
  assert.equal(minorityCropShares([0, 0, -1, 2], 2, 2, [1], 2, 3), null);
});

test('crop exposure: a share of the draws of images with minority pixels comes from centred crops', () => {
  const draws = [
    { id: 1, imageShares: [0.9, 0.1], cropShares: [0.5, 0.5] },
    { id: 2, imageShares: [1, 0], cropShares: null },
  ];
  // Share 1: image 1 shows (0.5, 0.5), image 2 (1, 0) -> minority 0.5 / 2.
  assert.deepEqual(
    cropExposure(draws, () => 1, 1),
    [0.75, 0.25],
  );
  // Share 0: the images' own composition -> minority 0.1 / 2.
  assert.deepEqual(
    cropExposure(draws, () => 1, 0),
    [0.95, 0.05],
  );
  // Share 0.7, image 1 drawn 3 times: minority 3 * (0.7 * 0.5 + 0.3 * 0.1) / 4.
  const mixed = cropExposure(draws, (id) => (id === 1 ? 3 : 1), 0.7);
  assert.ok(Math.abs(mixed[1]! - (3 * (0.35 + 0.03)) / 4) < 1e-12);
});
