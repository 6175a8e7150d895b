import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignFolds, classThresholds, connectedRegions, dropSmallRegions, labelErrorPlanText, minimumImages, softminOfLevels } from '../../src-shared/label-errors';
import { pixelScores, suspectPixels } from '../../src-main/engine/label-errors/pixel-scores';

const levels = (entries: Record<number, number>): number[] => {
  const h = new Array<number>(101).fill(0);
  for (const [level, n] of Object.entries(entries)) h[Number(level)] = n;
  return h;
};

test('softmin (T = 0.1) of given-label probabilities equals the hand-computed weighted mean', () => {
  // Pixels at 0.1 and 0.9: (0.1 e^-1 + 0.9 e^-9) / (e^-1 + e^-9).
  assert.ok(Math.abs(softminOfLevels(levels({ 10: 1, 90: 1 }))! - 0.10026828) < 1e-8);
  // Three pixels at 0.2 and one at 0.5: (3 * 0.2 e^-2 + 0.5 e^-5) / (3 e^-2 + e^-5).
  assert.ok(Math.abs(softminOfLevels(levels({ 20: 3, 50: 1 }))! - 0.20489743) < 1e-8);
  assert.equal(softminOfLevels(levels({ 100: 7 })), 1);
  assert.equal(softminOfLevels(levels({})), null);
  // A plain mean would say 0.5 for both; softmin is pulled to the worst pixels.
  assert.ok(softminOfLevels(levels({ 0: 1, 100: 1 }))! < 0.001);
});

test('class thresholds are the mean self-confidence per class; a class without pixels has none', () => {
  const t = classThresholds([levels({ 50: 2, 100: 2 }), levels({}), levels({ 30: 1, 60: 1, 90: 1 })]);
  assert.deepEqual(t.map((v) => (v === null ? null : Math.round(v * 1e9) / 1e9)), [0.75, null, 0.6]);
});

test('pixel scores: given-label levels (floored to 1%), the prediction, per-class histograms and confident disagreement', () => {
  // Three pixels, two classes: [0.3, 0.7] labelled 0; [0.57, 0.43] labelled 0; [0.45, 0.55] unlabelled (255).
  const probs = Float32Array.from([0.3, 0.7, 0.57, 0.43, 0.45, 0.55]);
  const scores = pixelScores(probs, Uint8Array.from([0, 0, 255]), 2);
  assert.deepEqual([...scores.predicted], [1, 0, 1]);
  assert.deepEqual([...scores.levels], [30, 57, 255]);
  assert.equal(scores.labelled, 2);
  assert.equal(scores.disagreement, 1);
  assert.equal(scores.histogram[0]![30], 1);
  assert.equal(scores.histogram[0]![57], 1);
  assert.equal(scores.histogram[1]!.reduce((a, b) => a + b), 0);
});

test('suspect pixels: below the class threshold and predicted as another class; regions under the minimum are dropped', () => {
  // 4x1: level 10 labelled 0 predicted 1 (suspect); 80 labelled 0 (above 0.75); unlabelled; 60 labelled 1 predicted 0 (below 0.7: suspect).
  const small = suspectPixels(Uint8Array.from([10, 80, 255, 60]), Uint8Array.from([1, 0, 0, 0]), Uint8Array.from([0, 0, 255, 1]), 4, 1, [0.75, 0.7]);
  assert.equal(small.below, 2);
  assert.equal(small.flagged, 0, 'two lone pixels are below the 16-pixel minimum region');
  // 8x8 with a 5x5 block labelled 0, predicted 1 at level 5: one region of 25 pixels, all of pair 0 -> 1.
  const n = 64;
  const lv = new Uint8Array(n).fill(99);
  const pred = new Uint8Array(n);
  const given = new Uint8Array(n);
  for (let y = 1; y < 6; y += 1) for (let x = 2; x < 7; x += 1) {
    lv[y * 8 + x] = 5;
    pred[y * 8 + x] = 1;
  }
  const block = suspectPixels(lv, pred, given, 8, 8, [0.9, 0.9]);
  assert.equal(block.below, 25);
  assert.equal(block.flagged, 25);
  assert.deepEqual(block.pairs, [0, 25, 0, 0]);
});

test('connected regions are 4-connected, numbered in scan order, with their boxes', () => {
  // 5x3:  1 1 0 0 1
  //       0 1 0 0 1
  //       1 0 0 1 1
  const flag = Uint8Array.from([1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
  const { labels, regions } = connectedRegions(flag, 5, 3);
  assert.deepEqual([...labels], [1, 1, 0, 0, 2, 0, 1, 0, 0, 2, 3, 0, 0, 2, 2]);
  assert.deepEqual(regions, [
    { pixels: 3, x0: 0, y0: 0, x1: 1, y1: 1 },
    { pixels: 4, x0: 3, y0: 0, x1: 4, y1: 2 },
    { pixels: 1, x0: 0, y0: 2, x1: 0, y1: 2 },
  ]);
  const copy = flag.slice();
  assert.equal(dropSmallRegions(copy, 5, 3, 3), 7);
  assert.equal(copy[10], 0);
});

test('folds: seeded, sizes within one of each other, every image in exactly one', () => {
  const ids = Array.from({ length: 14 }, (_, i) => i + 100);
  const folds = assignFolds(ids, 4, 3);
  assert.deepEqual(assignFolds(ids, 4, 3), folds);
  assert.notDeepEqual(assignFolds(ids, 4, 4), folds);
  const sizes = [0, 1, 2, 3].map((k) => folds.filter((f) => f === k).length);
  assert.deepEqual([...sizes].sort(), [3, 3, 4, 4]);
  assert.equal(minimumImages(3), 3);
  assert.equal(minimumImages(5), 5);
});

test('the plan says how much training and prediction a check is, and the time once a step is measured', () => {
  assert.equal(
    labelErrorPlanText({ folds: 4, images: 72, stepsPerFold: 140, inputSize: 128 }),
    '4 folds x 140 steps at 128 px (560 training steps), then 72 images predicted once each by the model that never saw them.',
  );
  assert.match(labelErrorPlanText({ folds: 4, images: 72, stepsPerFold: 140, inputSize: 128, stepSeconds: 0.5, imageSeconds: 2 }), /: about 7 min \(0\.50 s a step, 2\.0 s an image\)\.$/);
});
