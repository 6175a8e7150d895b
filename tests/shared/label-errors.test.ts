import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assignFolds,
  classThresholds,
  connectedRegions,
  cropWindows,
  dropSmallRegions,
  foldPlan,
  judgeStrength,
  labelErrorPlanText,
  minimumImages,
  quickCheckConfig,
  softminOfLevels,
  strengthNotes,
  strengthSummary,
} from '../../src-shared/label-errors';
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
  assert.deepEqual(
    t.map((v) => (v === null ? null : Math.round(v * 1e9) / 1e9)),
    [0.75, null, 0.6],
  );
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
  assert.equal(
    scores.histogram[1]!.reduce((a, b) => a + b),
    0,
  );
  // The strength gate's counts: pixel 1 labelled 0 predicted 1 (fn of 0, fp of 1), pixel 2 right; the unlabelled one is not counted.
  // prob: each class's probability over the two labelled pixels, in levels (0.3 + 0.57, 0.7 + 0.43).
  assert.deepEqual(
    { ...scores.counts, prob: scores.counts.prob.map((v) => Math.round(v * 100) / 100) },
    { tp: [1, 0], fp: [0, 1], fn: [1, 0], prob: [0.87, 1.13] },
  );
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
  for (let y = 1; y < 6; y += 1)
    for (let x = 2; x < 7; x += 1) {
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

test('crop windows: ceil(w / size) x ceil(h / size) per image, an image of unknown size one', () => {
  assert.equal(cropWindows([{ width: 1024, height: 1024 }], 128), 64);
  assert.equal(cropWindows([{ width: 1000, height: 700 }], 128), 8 * 6);
  assert.equal(
    cropWindows(
      [
        { width: 1024, height: 1024 },
        { width: 1000, height: 700 },
        { width: 100, height: 50 },
        { width: null, height: null },
      ],
      128,
    ),
    64 + 48 + 1 + 1,
  );
  assert.equal(cropWindows([{ width: 256, height: 256 }], 256), 1);
  assert.equal(cropWindows([{ width: 257, height: 256 }], 256), 2);
});

test("the pixel budget: one epoch of the quick preset is one pass over the fold's training windows, so its epochs are passes over each pixel", () => {
  const quick = quickCheckConfig('d');
  assert.deepEqual([quick.inputSize, quick.batchSize, quick.epochs], [128, 4, 8]);
  // 32 tiles of 1024 px, 4 folds: 64 windows each at 128 px, 2048 in all, 1536 per fold's training images; 384 steps of 4 a pass.
  const large = foldPlan({
    folds: 4,
    images: 32,
    windows: cropWindows(new Array(32).fill({ width: 1024, height: 1024 }), 128),
    config: quick,
    sizedBy: 'pixels',
  });
  assert.deepEqual(
    {
      windows: large.windows,
      trainWindows: large.trainWindows,
      stepsPerEpoch: large.stepsPerEpoch,
      stepsPerFold: large.stepsPerFold,
      passes: large.passes,
      capped: large.capped,
    },
    { windows: 2048, trainWindows: 1536, stepsPerEpoch: 384, stepsPerFold: 3072, passes: 8, capped: false },
  );
  assert.equal(
    labelErrorPlanText(large),
    '4 folds x 3072 steps at 128 px: each pixel about 8 times (12288 training steps), then 32 images predicted once each by the model that never saw them.',
  );
  // What the old preset did on the same tiles (10 epochs of images / batch = 6 steps): each pixel about 0.16 times.
  const old = foldPlan({ folds: 4, images: 32, windows: 2048, config: { ...quick, epochs: 10 }, sizedBy: 'config' });
  assert.equal(old.stepsPerFold, 60);
  assert.equal(old.passes, (60 * 4) / 1536);
  assert.match(labelErrorPlanText(old), /^4 folds x 60 steps at 128 px: each pixel about 0\.2 times \(240 training steps\)/);
  // Tiles no larger than the crop: one window each; 12 images, 3 folds: 8 training windows, 2 steps an epoch (the e2e test's plan).
  const small = foldPlan({ folds: 3, images: 12, windows: 12, config: { ...quick, inputSize: 32, epochs: 40 }, sizedBy: 'pixels' });
  assert.deepEqual([small.stepsPerEpoch, small.stepsPerFold, small.passes], [2, 80, 40]);
  // Windows that do not split evenly: 13 windows, 4 folds: 9.75 per fold, ceil(9.75 / 4) = 3 steps, 3 x 4 x 8 / 9.75 passes.
  const uneven = foldPlan({ folds: 4, images: 13, windows: 13, config: quick, sizedBy: 'pixels' });
  assert.deepEqual([uneven.stepsPerEpoch, uneven.stepsPerFold], [3, 24]);
  assert.ok(Math.abs(uneven.passes - 96 / 9.75) < 1e-12);
  assert.match(labelErrorPlanText(uneven), /each pixel about 10 times/);
  // A run's config keeps its own steps per epoch, and the plan says what that makes.
  const run = foldPlan({ folds: 4, images: 32, windows: 2048, config: { ...quick, stepsPerEpoch: 100, epochs: 5 }, sizedBy: 'config', run: 'baseline' });
  assert.deepEqual([run.stepsPerEpoch, run.stepsPerFold], [100, 500]);
  assert.equal(
    labelErrorPlanText(run),
    '4 folds x 500 steps at 128 px: each pixel about 1.3 times (2000 training steps, each fold trained like run baseline), then 32 images predicted once each by the model that never saw them.',
  );
  // 10,000 tiles of 1024 px: 120,000 steps an epoch asked for, the run config's 100,000 allowed, and the plan says so.
  const huge = foldPlan({ folds: 4, images: 10_000, windows: 640_000, config: quick, sizedBy: 'pixels' });
  assert.deepEqual([huge.stepsPerEpoch, huge.capped], [100_000, true]);
  assert.match(labelErrorPlanText(huge), /each pixel about 7 times \(capped at 100,000 steps an epoch\)/);
  // A run's checkpoint over its validation images: no training.
  assert.equal(
    labelErrorPlanText(foldPlan({ folds: 0, images: 9, windows: 9, config: quick, sizedBy: 'config', run: 'baseline' })),
    'Scores 9 validation images of run baseline with its best checkpoint: no training. Those images were not trained on, so their scores are out of sample.',
  );
});

test('the strength gate: out-of-fold mIoU per fold and over all, per-class self-confidence against its chance level and pixel share, judged by the floor and the margin', () => {
  const at = (level: number, n: number): number[] => levels({ [level]: n });
  const none = levels({});
  const strength = judgeStrength(
    [
      // Fold 0: 85 pixels of class 0 (80 right, 5 called 1) at 0.9, where class 1 gets 0.1; 15 of class 1 (10 right, 5 called 0) at 0.2, where class 0 gets 0.8.
      {
        fold: 0,
        images: 2,
        counts: { tp: [80, 10, 0], fp: [5, 5, 0], fn: [5, 5, 0], prob: [85 * 0.9 + 15 * 0.8, 15 * 0.2 + 85 * 0.1, 0] },
        histograms: [at(90, 85), at(20, 15), none],
      },
      // Fold 1: 40 of class 0, all right, at 0.7 (class 1: 0.3); 10 of class 1, all called 0, at 0.1 (class 0: 0.9).
      {
        fold: 1,
        images: 1,
        counts: { tp: [40, 0, 0], fp: [10, 0, 0], fn: [0, 10, 0], prob: [40 * 0.7 + 10 * 0.9, 10 * 0.1 + 40 * 0.3, 0] },
        histograms: [at(70, 40), at(10, 10), none],
      },
    ],
    3,
  );
  const close = (a: number | null, b: number): boolean => a !== null && Math.abs(a - b) < 1e-9;
  // Fold 0: IoU 80 / 90 and 10 / 20; fold 1: 40 / 50 and 0 / 10; class 2 has no pixel, no IoU, and is left out.
  assert.ok(close(strength.folds[0]!.miou, (80 / 90 + 0.5) / 2));
  assert.ok(close(strength.folds[1]!.miou, 0.4));
  assert.deepEqual(
    strength.folds.map((f) => f.images),
    [2, 1],
  );
  assert.deepEqual(
    strength.folds[0]!.confidence.map((c) => c && Math.round(c * 100) / 100),
    [0.9, 0.2, null],
  );
  // All folds: IoU 120 / 140 and 10 / 30.
  assert.ok(close(strength.miou, (120 / 140 + 10 / 30) / 2));
  assert.ok(close(strength.classes[0]!.confidence, (85 * 0.9 + 40 * 0.7) / 125));
  assert.ok(close(strength.classes[1]!.confidence, (15 * 0.2 + 10 * 0.1) / 25));
  // Chance levels: class 0 on class 1's 25 pixels (15 at 0.8, 10 at 0.9), class 1 on class 0's 125 (85 at 0.1, 40 at 0.3).
  assert.ok(close(strength.classes[0]!.chance, (15 * 0.8 + 10 * 0.9) / 25));
  assert.ok(close(strength.classes[1]!.chance, (85 * 0.1 + 40 * 0.3) / 125));
  assert.ok(close(strength.classes[0]!.share, 125 / 150));
  assert.ok(close(strength.classes[1]!.share, 25 / 150));
  // Class 0: 0.836 on its own pixels, 0.84 on the others'; class 1: 0.16 and 0.164. Neither is surer of its class than chance.
  assert.deepEqual(
    strength.classes.map((c) => c.weak),
    [true, true, false],
  );
  assert.equal(strength.classes[2]!.confidence, null);
  assert.equal(strength.weak, false, 'mIoU 0.60 is above the floor');
  assert.deepEqual([strength.floor, strength.margin], [0.25, 0.2]);
  assert.equal(strengthSummary(strength), 'out-of-fold mIoU 0.60 (folds 0.69, 0.40)');
  const notes = strengthNotes(strength, ['ground', 'building', 'water']);
  assert.equal(notes.overall, null);
  assert.deepEqual(
    notes.classes.map((n) => n.name),
    ['ground', 'building'],
  );
  assert.equal(
    notes.classes[1]!.text,
    "building: too weak to judge. The models give its own pixels 0.16 on average and other classes' pixels 0.16 (its pixel share is 0.17): hardly surer of it than chance, so its label errors cannot be told from the models' own mistakes.",
  );

  // Why the chance level and not the share itself: a model that calls everything class 1 at 0.5 gives it more than its share (0.2) but no more than elsewhere;
  // one that has learnt class 0 (share 0.8) but spreads its probability gives it 0.65, under its share, and 0.05 elsewhere.
  const everywhere = judgeStrength(
    [{ fold: 0, images: 1, counts: { tp: [0, 20], fp: [0, 80], fn: [80, 0], prob: [100 * 0.2, 100 * 0.5] }, histograms: [at(20, 80), at(50, 20)] }],
    2,
  );
  assert.deepEqual(
    everywhere.classes.map((c) => [c.weak, Math.round(c.confidence! * 100) / 100, c.share]),
    [
      [true, 0.2, 0.8],
      [true, 0.5, 0.2],
    ],
  );
  assert.equal(everywhere.weak, true, 'mIoU 0.1');
  const spread = judgeStrength(
    [
      {
        fold: 0,
        images: 1,
        counts: { tp: [80, 20], fp: [0, 0], fn: [0, 0], prob: [80 * 0.65 + 20 * 0.05, 80 * 0.05 + 20 * 0.9] },
        histograms: [at(65, 80), at(90, 20)],
      },
    ],
    2,
  );
  assert.deepEqual(
    spread.classes.map((c) => c.weak),
    [false, false],
  );
  assert.ok(close(spread.classes[0]!.chance, 0.05));
  // The margin: 0.2 between a class's own pixels and the others'.
  const gapWeak = (own: number, other: number): boolean =>
    judgeStrength(
      [
        {
          fold: 0,
          images: 1,
          counts: { tp: [50, 50], fp: [0, 0], fn: [0, 0], prob: [50 * own + 50 * other, 50 * (1 - own) + 50 * (1 - other)] },
          histograms: [at(Math.round(own * 100), 50), at(Math.round((1 - other) * 100), 50)],
        },
      ],
      2,
    ).classes[0]!.weak;
  assert.equal(gapWeak(0.6, 0.41), true);
  assert.equal(gapWeak(0.62, 0.41), false);
  // The floor: class 0 right at 0.95, class 1 called class 0 (0.55 against 0.45): mIoU 0.25 passes, just under it does not.
  const edgeCounts = (n: number) => ({ tp: [50, 0], fp: [n, 0], fn: [0, n], prob: [50 * 0.95 + n * 0.55, 50 * 0.05 + n * 0.45] });
  const edge = judgeStrength([{ fold: 0, images: 1, counts: edgeCounts(50), histograms: [at(95, 50), at(45, 50)] }], 2);
  assert.ok(close(edge.miou, 0.25));
  assert.equal(edge.weak, false);
  assert.equal(judgeStrength([{ fold: 0, images: 1, counts: edgeCounts(51), histograms: [at(95, 50), at(45, 51)] }], 2).weak, true, 'mIoU 50 / 202');
  assert.equal(judgeStrength([{ fold: 0, images: 1, counts: edgeCounts(50), histograms: [at(95, 50), at(45, 50)] }], 2, 0.3).weak, true, 'a higher floor');
  // Nothing scored is too weak.
  assert.match(strengthNotes(judgeStrength([], 2), ['a', 'b']).overall!, /^Too weak to judge: the fold models' out-of-fold mIoU is -, below 0\.25/);
});

test('the plan says how much training and prediction a check is, and the time once a step is measured', () => {
  const plan = foldPlan({ folds: 4, images: 72, windows: 72 * 4, config: quickCheckConfig('d'), sizedBy: 'pixels' });
  assert.equal(plan.stepsPerFold, 54 * 8);
  assert.equal(
    labelErrorPlanText(plan),
    '4 folds x 432 steps at 128 px: each pixel about 8 times (1728 training steps), then 72 images predicted once each by the model that never saw them.',
  );
  assert.match(labelErrorPlanText(plan, { stepSeconds: 0.5, imageSeconds: 2 }), /: about 17 min \(0\.50 s a step, 2\.0 s an image\)\.$/);
});
