import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentCrop, minorityCentre, pixelsOf } from '../../../src-main/engine/data/augment';
import type { Sample } from '../../../src-main/engine/data/decode';
import { epochOrder } from '../../../src-main/engine/data/sampler';
import { mulberry32 } from '../../../src-shared/random';

/** Labels in four quadrant-ish bands; the image's red channel is label * 60 so the two can be matched. */
function sample(width: number, height: number): Sample {
  const labels = new Uint8Array(width * height);
  const image = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const label = (x < width / 2 ? 0 : 1) + (y < height / 3 ? 0 : 2);
      labels[y * width + x] = label;
      image[(y * width + x) * 3] = label * 60;
      image[(y * width + x) * 3 + 1] = x;
      image[(y * width + x) * 3 + 2] = y;
    }
  }
  return { width, height, channels: 3, image, labels };
}
const none = { flips: false, rot90: false, scaleMin: 1, scaleMax: 1, colorJitter: 0 };

test('scale 1 without flips on an image of the crop size is an exact copy', () => {
  const s = sample(16, 16);
  const crop = augmentCrop(s, 16, none, mulberry32(1));
  assert.deepEqual(crop.labels, s.labels);
  assert.deepEqual(crop.image, s.image);
});

test('flips and rot90 move image and labels together', () => {
  const s = sample(24, 24);
  for (let seed = 0; seed < 20; seed += 1) {
    const crop = augmentCrop(s, 24, { ...none, flips: true, rot90: true }, mulberry32(seed));
    for (let p = 0; p < crop.labels.length; p += 1) assert.equal(crop.image[p * 3], crop.labels[p]! * 60, `seed ${seed} pixel ${p}`);
  }
});

test('rescaled crops never blend labels; only known labels or ignore appear', () => {
  const s = sample(40, 30);
  for (let seed = 0; seed < 10; seed += 1) {
    const crop = augmentCrop(s, 32, { ...none, scaleMin: 0.5, scaleMax: 2 }, mulberry32(seed));
    assert.ok(crop.labels.every((l) => l <= 3 || l === 255));
  }
});

test('a crop larger than the image pads the image black and the labels with ignore', () => {
  const s = sample(10, 10);
  const crop = augmentCrop(s, 32, none, mulberry32(3));
  assert.equal(crop.labels.filter((l) => l === 255).length, 32 * 32 - 100);
  assert.equal(crop.labels.filter((l) => l !== 255).length, 100);
});

test('colour jitter changes the image, never the labels', () => {
  const s = sample(16, 16);
  const plain = augmentCrop(s, 16, none, mulberry32(5));
  const jittered = augmentCrop(s, 16, { ...none, colorJitter: 0.4 }, mulberry32(5));
  assert.deepEqual(jittered.labels, plain.labels);
  assert.notDeepEqual(jittered.image, plain.image);
});

test('uniform sampler: every image once per epoch, reproducible, another order next epoch', () => {
  const ids = [11, 12, 13, 14, 15, 16];
  const a = epochOrder(ids, { kind: 'uniform' }, 7, 0);
  assert.deepEqual([...a].sort(), ids);
  assert.deepEqual(epochOrder(ids, { kind: 'uniform' }, 7, 0), a);
  assert.notDeepEqual(epochOrder(ids, { kind: 'uniform' }, 7, 1), a);
  assert.equal(epochOrder(ids, { kind: 'uniform', samplesPerEpoch: 15 }, 7, 0).length, 15);
});

test('weighted sampler: exposure follows the weights', () => {
  const draws = epochOrder([1, 2, 3], { kind: 'weighted', weights: { '1': 1, '2': 2, '3': 7 }, samplesPerEpoch: 100_000 }, 1, 0);
  const share = (id: number) => draws.filter((d) => d === id).length / draws.length;
  assert.ok(Math.abs(share(1) - 0.1) < 0.01 && Math.abs(share(2) - 0.2) < 0.01 && Math.abs(share(3) - 0.7) < 0.01, `${share(1)} ${share(2)} ${share(3)}`);
  assert.throws(() => epochOrder([1], { kind: 'weighted', weights: { '1': 0 } }, 1, 0), /Every sampler weight is 0/);
});

test('replication: a uniform pass holds a repeated image k times; weighted draws follow weight x repeats', () => {
  const ids = [1, 2, 3, 4];
  const order = epochOrder(ids, { kind: 'uniform' }, 7, 0, { '3': 3 });
  assert.equal(order.length, 6);
  assert.equal(order.filter((id) => id === 3).length, 3);
  assert.deepEqual([...new Set(order)].sort(), ids);
  // Weighted: image 1 weight 2 and no repeats, image 2 repeats 3: expected 2:3:1:1 over many draws.
  const drawn = epochOrder(ids, { kind: 'weighted', weights: { '1': 2 }, samplesPerEpoch: 70_000 }, 7, 0, { '2': 3 });
  const share = (id: number) => drawn.filter((d) => d === id).length / drawn.length;
  assert.ok(Math.abs(share(1) - 2 / 7) < 0.01);
  assert.ok(Math.abs(share(2) - 3 / 7) < 0.01);
  assert.ok(Math.abs(share(3) - 1 / 7) < 0.01);
});

test('minority-centred crops: the centre pixel is of a chosen class; none in the image falls back to random', () => {
  const s = sample(64, 48);
  // Label 1 is x >= 32, y < 16.
  const pixels = pixelsOf(s, [1]);
  assert.equal(pixels.length, 32 * 16);
  const random = mulberry32(3);
  let centred = 0;
  for (let i = 0; i < 2000; i += 1) {
    const centre = minorityCentre(s, pixels, 0.7, random);
    if (!centre) continue;
    centred += 1;
    assert.equal(s.labels[centre.y * 64 + centre.x], 1);
    // A 16 px crop around it holds the centre pixel, and the crop's middle is that pixel's label.
    const crop = augmentCrop(s, 16, none, mulberry32(i), centre);
    assert.equal(crop.labels[8 * 16 + 8], 1);
  }
  assert.ok(Math.abs(centred / 2000 - 0.7) < 0.04, `share centred ${centred / 2000}`);
  assert.equal(minorityCentre(s, pixelsOf(s, [7]), 1, random), null, 'no pixel of the class: a random crop');
  // Larger crop than the image: padded with ignore around, the image centred.
  const big = augmentCrop(s, 80, none, mulberry32(1), { x: 60, y: 2 });
  assert.equal(big.labels[0], 255);
  assert.equal(big.labels[16 * 80 + 8], s.labels[0]);
});

test('uniform sampler over 200,000 images: one pass holds each once (issue 27 F9: no push(...) of a whole pass)', () => {
  const ids = Array.from({ length: 200_000 }, (_, i) => i);
  const order = epochOrder(ids, { kind: 'uniform' }, 1, 0);
  assert.equal(order.length, 200_000);
  assert.equal(new Set(order).size, 200_000);
});
