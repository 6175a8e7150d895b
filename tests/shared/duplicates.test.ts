import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dihedralCoefficients, duplicateGroups, hashBits, leakage, lowFrequencies, signatureOf, similarity } from '../../src-shared/duplicates';
import type { HashedImage } from '../../src-shared/duplicates';
import { mulberry32 } from '../../src-shared/random';

const n = 64;
/** A random image with structure at many scales (sums of waves), like a photo. */
function image(seed: number): Float64Array {
  const random = mulberry32(seed);
  const waves = Array.from({ length: 24 }, () => ({ fx: random() * 20, fy: random() * 20, phase: random() * 6.3, amp: random() * 60 }));
  const out = new Float64Array(n * n);
  for (let y = 0; y < n; y += 1)
    for (let x = 0; x < n; x += 1) out[y * n + x] = 128 + waves.reduce((s, w) => s + w.amp * Math.sin((w.fx * x + w.fy * y) / 10 + w.phase), 0) / 6;
  return out;
}
const transform = (img: Float64Array, f: (x: number, y: number) => [number, number]): Float64Array => {
  const out = new Float64Array(n * n);
  for (let y = 0; y < n; y += 1)
    for (let x = 0; x < n; x += 1) {
      const [sx, sy] = f(x, y);
      out[y * n + x] = img[sy * n + sx]!;
    }
  return out;
};
const close = (a: number, b: number, what: string, eps = 1e-5) => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} != ${b}`);

test('DCT: a mirror flips the sign of odd frequencies, a transpose swaps the axes (the 8 orientations from one decode)', () => {
  const img = image(7);
  const variants = dihedralCoefficients(lowFrequencies(img, n));
  const direct = [
    (x: number, y: number): [number, number] => [n - 1 - x, y],
    (x: number, y: number): [number, number] => [x, n - 1 - y],
    (x: number, y: number): [number, number] => [n - 1 - x, n - 1 - y],
    (x: number, y: number): [number, number] => [y, x],
  ].map((move) => lowFrequencies(transform(img, move), n));
  for (const [i, coefficients] of direct.entries()) {
    const match = variants.some((v) => v.every((c, k) => Math.abs(c - coefficients[k]!) < 1e-6 * Math.max(1, Math.abs(c))));
    assert.ok(match, `orientation ${i} is one of the 8 derived coefficient blocks`);
  }
});

test('similarity: 1 for each rotation and mirror, near 1 for a noisy or brighter copy, low for an unrelated image', () => {
  const img = image(11);
  const a = signatureOf(img);
  assert.equal(a.length, hashBits);
  close(Math.hypot(...a), 1, 'unit length');
  const moves: [string, (x: number, y: number) => [number, number]][] = [
    ['mirror', (x, y) => [n - 1 - x, y]],
    ['flip', (x, y) => [x, n - 1 - y]],
    ['rotate 180', (x, y) => [n - 1 - x, n - 1 - y]],
    ['transpose', (x, y) => [y, x]],
    ['rotate 90', (x, y) => [y, n - 1 - x]],
    ['rotate 270', (x, y) => [n - 1 - y, x]],
  ];
  for (const [name, move] of moves) close(similarity(a, signatureOf(transform(img, move))), 1, name);
  const random = mulberry32(5);
  assert.ok(similarity(a, signatureOf(img.map((v) => v + (random() - 0.5) * 10))) > 0.99, 'noise of +-5 grey levels');
  close(similarity(a, signatureOf(img.map((v) => v * 1.2 + 10))), 1, 'brightness and contrast');
  const other = similarity(a, signatureOf(image(12)));
  assert.ok(other < 0.6, `unrelated: ${other}`);
});

/** Unit vectors at a known angle from e1 (cosine c), in the (e1, e_k) plane; orientation-proof only for known parity classes, so tested straight. */
const at = (cosine: number, k: number): Float32Array => {
  const v = new Float32Array(hashBits);
  v[1] = cosine;
  v[k] = Math.sqrt(1 - cosine * cosine);
  return v;
};

test('groups: known similarities give known groups at each threshold (links are transitive)', () => {
  // Index 1 is (u=1, v=0), index 32 is (u=0, v=2), index 34 is (u=2, v=2): even/odd classes
  // chosen so no mirror or transpose turns one vector into another.
  const images: HashedImage[] = [
    { id: 1, signature: at(1, 32) },
    { id: 2, signature: at(0.98, 34) },
    { id: 3, signature: at(0.96, 68) },
    {
      id: 4,
      signature: (() => {
        const v = new Float32Array(hashBits);
        v[17] = 1;
        return v;
      })(),
    },
  ];
  close(similarity(images[0]!.signature, images[1]!.signature), 0.98, 'A-B');
  close(similarity(images[0]!.signature, images[2]!.signature), 0.96, 'A-C');
  const strict = duplicateGroups(images, 0.97);
  assert.deepEqual(
    strict.map((g) => g.ids),
    [[1, 2]],
  );
  close(strict[0]!.minSimilarity, 0.98, 'min');
  // At 0.95, A-B and A-C link; B and C (cosine 0.98 * 0.96) share a group through A.
  assert.deepEqual(
    duplicateGroups(images, 0.95).map((g) => g.ids),
    [[1, 2, 3]],
  );
  assert.deepEqual(duplicateGroups(images, 0.999), []);
});

test('leakage: groups across splits, and held-out images with a twin in training', () => {
  const groups = [
    { ids: [1, 2, 3], minSimilarity: 0.98, maxSimilarity: 1 },
    { ids: [4, 5], minSimilarity: 0.99, maxSimilarity: 0.99 },
    { ids: [6, 7], minSimilarity: 0.99, maxSimilarity: 0.99 },
  ];
  const splits: Record<number, 'train' | 'val' | 'test'> = { 1: 'train', 2: 'val', 3: 'test', 4: 'val', 5: 'val', 6: 'train', 7: 'train' };
  assert.deepEqual(
    leakage(groups, (id) => splits[id] ?? null),
    { groupsAcrossSplits: 1, heldOutWithTrainTwin: 2 },
  );
});
