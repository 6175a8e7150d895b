import { mulberry32 } from './random';
import { externalModelSchema } from './external-model';
import { labelMapSchema, resolvedConfigSchema, trainItemSchema } from './training';
import { inputSizeSchema, runConfigSchema } from './run-config';
import type { RunConfig } from './run-config';
import { z } from './zod';
import type { ImageRevisions } from './revisions';

/**
 * Finding label errors across a dataset (issue 19). Every labelled image gets an out-of-sample
 * prediction: K models each train on K-1 folds and predict the fold they never saw. Per pixel the
 * score is the predicted probability of the given label, stored in 1% levels (0..100); the image
 * scores below are computed from those levels, so the math here is the whole method:
 *
 * - softmin (Lad and Mueller 2023, arXiv 2307.05080, their best image score): the pixel scores
 *   averaged with weights exp(-p / T), T = 0.1, so the worst pixels dominate. Lower is worse.
 * - below-threshold (confident learning): class c's threshold t_c is the mean self-confidence of
 *   the pixels labelled c over the whole dataset; the image score is the share of its labelled
 *   pixels whose given-label probability is below their class's threshold and that the model
 *   predicts as another class. Higher is worse.
 * - disagreement (the review queue's old score): the share of labelled pixels where the model is at
 *   least 50% confident in another class. Higher is worse.
 */
export const labelErrorLevels = 100;
const softminTemperature = 0.1;
export const labelErrorScores = ['softmin', 'below-threshold', 'disagreement'] as const;
export type LabelErrorScore = (typeof labelErrorScores)[number];
export const scoreTitles: Record<LabelErrorScore, string> = {
  softmin: 'softmin of p(given label)',
  'below-threshold': 'share below class threshold',
  disagreement: 'confident disagreement (≥ 50%)',
};
/** A level value that marks a pixel without a label (ignore class or unknown value). */
export const unlabelledLevel = 255;
const minFolds = 3;
const maxFolds = 5;

/** The pixel score of a level: its lower edge, so a threshold and the softmin agree on one value per pixel. */
export const levelValue = (level: number): number => level / labelErrorLevels;

/** Softmin over pixels, from a histogram of given-label levels (index = level). Null without pixels. */
export function softminOfLevels(histogram: readonly number[], temperature = softminTemperature): number | null {
  let weighted = 0;
  let weights = 0;
  for (let level = 0; level < histogram.length; level += 1) {
    const n = histogram[level] ?? 0;
    if (n === 0) continue;
    const p = levelValue(level);
    // exp(-(p - 0) / T): shifting by the smallest possible p (0) keeps every weight <= 1, so no overflow.
    const w = n * Math.exp(-p / temperature);
    weighted += w * p;
    weights += w;
  }
  return weights > 0 ? weighted / weights : null;
}

/** Per-class thresholds: the mean self-confidence of each class's labelled pixels (null: no pixel of the class). */
export function classThresholds(histograms: readonly (readonly number[])[]): (number | null)[] {
  return histograms.map((h) => {
    let sum = 0;
    let n = 0;
    for (let level = 0; level < h.length; level += 1) {
      sum += (h[level] ?? 0) * levelValue(level);
      n += h[level] ?? 0;
    }
    return n > 0 ? sum / n : null;
  });
}

/** Adds per-class histograms (classes x levels+1) into `into`. */
export function addHistograms(into: number[][], add: readonly (readonly number[])[]): void {
  add.forEach((h, c) => {
    const row = (into[c] ??= new Array<number>(labelErrorLevels + 1).fill(0));
    for (let l = 0; l < h.length; l += 1) row[l] = (row[l] ?? 0) + (h[l] ?? 0);
  });
}

/**
 * Folds: the images shuffled with the seed and dealt round-robin, so fold sizes differ by at most
 * one. Returns the fold of each image, in the order given.
 */
export function assignFolds(imageIds: readonly number[], folds: number, seed: number): number[] {
  const order = imageIds.map((_, i) => i);
  const random = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fold = new Array<number>(imageIds.length).fill(0);
  order.forEach((index, position) => (fold[index] = position % folds));
  return fold;
}

/** Each fold model trains on at least two images and scores at least one. */
export function minimumImages(folds: number): number {
  return Math.max(folds, 3);
}

/**
 * Connected regions (4-neighbour) of a 0/1 map, in scan order of their first pixel. `labels`
 * gives each pixel its region number from 1 (0: outside every region).
 */
export function connectedRegions(
  flag: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; regions: { pixels: number; x0: number; y0: number; x1: number; y1: number }[] } {
  const labels = new Int32Array(width * height);
  const regions: { pixels: number; x0: number; y0: number; x1: number; y1: number }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < flag.length; start += 1) {
    if (flag[start] === 0 || labels[start] !== 0) continue;
    const id = regions.length + 1;
    const region = { pixels: 0, x0: width, y0: height, x1: -1, y1: -1 };
    labels[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      region.pixels += 1;
      region.x0 = Math.min(region.x0, x);
      region.x1 = Math.max(region.x1, x);
      region.y0 = Math.min(region.y0, y);
      region.y1 = Math.max(region.y1, y);
      const visit = (q: number): void => {
        if (flag[q] !== 0 && labels[q] === 0) {
          labels[q] = id;
          stack.push(q);
        }
      };
      if (x > 0) visit(p - 1);
      if (x < width - 1) visit(p + 1);
      if (y > 0) visit(p - width);
      if (y < height - 1) visit(p + width);
    }
    regions.push(region);
  }
  return { labels, regions };
}

/** The smallest suspect region kept: 16 pixels, or 0.05% of the image when that is more. */
export function minimumRegion(width: number, height: number): number {
  return Math.max(16, Math.round(width * height * 0.0005));
}

/** Sets to 0 the regions smaller than `minPixels`; returns how many pixels stay flagged. */
export function dropSmallRegions(flag: Uint8Array, width: number, height: number, minPixels: number): number {
  const { labels, regions } = connectedRegions(flag, width, height);
  let kept = 0;
  for (let p = 0; p < flag.length; p += 1) {
    const id = labels[p]!;
    if (id === 0) continue;
    if (regions[id - 1]!.pixels < minPixels) flag[p] = 0;
    else kept += 1;
  }
  return kept;
}

/**
 * How many times, about, the quick preset shows each training pixel to a fold model (issue 31): its
 * default epochs, with one epoch sized to one pass over the fold's pixels (`foldPlan`). The old
 * preset counted images, not pixels: 10 epochs of `images / batch` steps showed each pixel of a
 * 1024 px tile less than once at 128 px, and the fold models learnt nothing worth judging by. The
 * bench (bench/label-errors.ts, docs/benches.md) ranked large errors well above chance with models
 * that had seen each pixel about 4 times, though they had not learnt Road; 8 doubles that, and
 * stays near the old preset's 10 for images no larger than the crop.
 */
const defaultPixelPasses = 8;
/** The run config's largest steps per epoch; a fold of more windows than that is capped (and the plan says so). */
const maxStepsPerEpoch = 100_000;

/**
 * The quick preset of a check's fold models: a small U-Net at 128 px, long enough to learn the
 * dataset's look, short enough for K of them on a laptop. Its epochs are passes over every training
 * pixel (steps per epoch from the fold's crop windows: `foldPlan`). A run's own config replaces it
 * on request.
 */
export function quickCheckConfig(datasetId: string): RunConfig {
  return runConfigSchema.parse({
    datasetId,
    model: 'unet',
    modelOptions: { depth: 3, width: 16 },
    inputSize: 128,
    batchSize: 4,
    epochs: defaultPixelPasses,
    optimizer: { name: 'adam', lr: 2e-3 },
    loss: { name: 'ce' },
  });
}

/**
 * Crop-sized windows the images hold: the sum over images of ceil(w / size) * ceil(h / size), so
 * that many random crops of `size` show each pixel about once. An image of unknown size counts one.
 */
export function cropWindows(sizes: readonly { width: number | null; height: number | null }[], size: number): number {
  let windows = 0;
  for (const { width, height } of sizes) windows += width && height ? Math.ceil(width / size) * Math.ceil(height / size) : 1;
  return windows;
}

/** A check's fold training, sized: what the start panel, the CLI and the job itself state. */
export const labelErrorPlanSchema = z.object({
  /** 0: one finished run's checkpoint scores its validation images (no training). */
  folds: z.number().int(),
  /** Images scored, each once. */
  images: z.number().int(),
  inputSize: z.number().int(),
  batchSize: z.number().int(),
  /** Crop windows of all the images at the input size (`cropWindows`). */
  windows: z.number(),
  /** Windows of one fold's training images, on average over the folds: windows x (K - 1) / K. */
  trainWindows: z.number(),
  stepsPerEpoch: z.number().int(),
  epochs: z.number().int(),
  stepsPerFold: z.number().int(),
  /** How many times each training pixel is seen, about: steps x batch / training windows. */
  passes: z.number(),
  /** 'pixels': one epoch is one pass over the training windows (the quick preset); 'config': the run config's own steps per epoch. */
  sizedBy: z.enum(['pixels', 'config']),
  /** The pixel budget asked for more steps per epoch than a run config allows (`maxStepsPerEpoch`). */
  capped: z.boolean(),
  /** The run whose config the fold models follow (its name), or whose checkpoint scores (folds 0). */
  run: z.string().nullable(),
});
export type LabelErrorPlan = z.output<typeof labelErrorPlanSchema>;

/**
 * Sizes the fold models of a check (issue 31): with `sizedBy: 'pixels'` one epoch is
 * ceil(training windows / batch) steps, so `epochs` is how many times each training pixel is seen;
 * with 'config' the run config's own steps per epoch are kept (its `stepsPerEpoch`, else one pass
 * over the training images, as the train job counts them) and the plan says how many passes that
 * makes. Pure: main sizes the job with it, and the GUI and the CLI show what main returns.
 */
export function foldPlan(input: {
  folds: number;
  images: number;
  windows: number;
  config: Pick<RunConfig, 'batchSize' | 'epochs' | 'stepsPerEpoch' | 'inputSize'> & { sampler?: { samplesPerEpoch?: number | undefined } };
  sizedBy: 'pixels' | 'config';
  run?: string | null;
}): LabelErrorPlan {
  const { folds, images, windows, config } = input;
  const base = { folds, images, inputSize: config.inputSize, batchSize: config.batchSize, windows, sizedBy: input.sizedBy, run: input.run ?? null };
  if (folds === 0) return { ...base, trainWindows: 0, stepsPerEpoch: 0, epochs: 0, stepsPerFold: 0, passes: 0, capped: false };
  const trainWindows = (windows * (folds - 1)) / folds;
  let stepsPerEpoch: number;
  let capped = false;
  if (input.sizedBy === 'pixels') {
    const wanted = Math.max(1, Math.ceil(trainWindows / config.batchSize));
    stepsPerEpoch = Math.min(wanted, maxStepsPerEpoch);
    capped = wanted > maxStepsPerEpoch;
  } else {
    const trainImages = images - Math.ceil(images / folds);
    stepsPerEpoch = config.stepsPerEpoch ?? Math.max(1, Math.ceil((config.sampler?.samplesPerEpoch ?? trainImages) / config.batchSize));
  }
  const stepsPerFold = stepsPerEpoch * config.epochs;
  const passes = trainWindows > 0 ? (stepsPerFold * config.batchSize) / trainWindows : 0;
  return { ...base, trainWindows, stepsPerEpoch, epochs: config.epochs, stepsPerFold, passes, capped };
}

/** "about 8 times", "about once", "about 0.4 times". */
function passesText(passes: number): string {
  const shown = passes >= 2 ? Math.round(passes) : Math.round(passes * 10) / 10;
  return shown === 1 ? 'about once' : `about ${shown} times`;
}

export const labelErrorStartSchema = z.strictObject({
  datasetId: z.string().min(1),
  folds: z.number().int().min(minFolds).max(maxFolds).default(4),
  /** Train each fold with this run's config (model, size, loss, epochs...); else the quick preset. */
  configFromRun: z.string().min(1).optional(),
  /** Score only this finished run's validation images with its best checkpoint: no fold training. */
  reuseRun: z.string().min(1).optional(),
  /** Epochs per fold (the preset's or the run's otherwise). */
  epochs: z.number().int().min(1).max(200).optional(),
  inputSize: inputSizeSchema.optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
});
export type LabelErrorStart = z.output<typeof labelErrorStartSchema>;

export const labelErrorCheckSchema = z.strictObject({ checkId: z.number().int().positive() });

export const labelErrorQueueSchema = z.strictObject({
  checkId: z.number().int().positive(),
  score: z.enum(labelErrorScores).default('softmin'),
  /** "Labelled `given`, looks like `predicted`": only images with flagged pixels of that pair (training labels). */
  given: z.number().int().min(0).max(254).optional(),
  predicted: z.number().int().min(0).max(254).optional(),
  /** Also list the images already reviewed. */
  includeReviewed: z.boolean().default(false),
  limit: z.number().int().min(1).max(5000).default(500),
});

export const labelErrorAcceptSchema = z.strictObject({
  checkId: z.number().int().positive(),
  imageId: z.number().int().positive(),
  /** One suspect region (1-based, in `connectedRegions` order of the flag map); all of them when absent. */
  region: z.number().int().min(1).optional(),
});

/** One image of a check's queue: keep its label, or undo or redo its review. */
export const labelErrorImageSchema = z.strictObject({ checkId: z.number().int().positive(), imageId: z.number().int().positive() });

export type LabelCheckStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

export interface LabelCheckSummary {
  id: number;
  datasetId: string;
  jobId: string;
  status: LabelCheckStatus;
  /** 0 when a run's validation images were scored (reuseRun). */
  folds: number;
  reuseRun: string | null;
  /** Training class names, in label order. */
  classNames: string[];
  /** Per class, the confident-learning threshold (null: no pixel of the class). */
  thresholds: (number | null)[] | null;
  /** Folds finished so far (kept when the job is stopped; a resume trains only the others). */
  foldsDone: number[];
  /** How the fold models were sized (null: a check stored before plans were). */
  plan: LabelErrorPlan | null;
  /** The strength gate, once the check has finished (null before, and for checks from before the gate). */
  strength: CheckStrength | null;
  images: number;
  reviewed: number;
  corrected: number;
  stale: number;
  createdAt: string;
  reason: string | null;
}

export interface LabelErrorItem {
  imageId: number;
  stem: string;
  fold: number;
  softmin: number | null;
  belowShare: number;
  disagreement: number;
  /** Pixels in the suspect regions (below the class threshold and predicted as another class). */
  flagged: number;
  labelled: number;
  /** Flagged pixels of the filtered class pair, when a pair is asked for. */
  pairPixels: number | null;
  /** The largest class pairs among the flagged pixels: labelled `given`, predicted `predicted`. */
  topPairs: { given: number; predicted: number; pixels: number }[];
  /** The mask changed since the check scored it (another revision is in effect): its scores are old. */
  stale: boolean;
  review: 'kept' | 'corrected' | null;
  /** Files of the check, for the viewer: out-of-fold prediction (labels), flag map (0/255). */
  predictionPath: string;
  flagPath: string;
}

/** A review undone or redone from the queue: the image's revisions now, and its queue item (back in the queue after an undo). */
export interface LabelErrorReviewChange {
  revisions: ImageRevisions;
  item: LabelErrorItem;
}

export interface LabelErrorQueue {
  check: LabelCheckSummary;
  score: LabelErrorScore;
  items: LabelErrorItem[];
  /** Images in the queue before the limit (not reviewed, matching the pair). */
  total: number;
}

/**
 * What the start panel and the CLI say before the job runs: how much training and prediction it
 * is, and how many times each training pixel is seen; with measured seconds, the minutes.
 */
export function labelErrorPlanText(plan: LabelErrorPlan, estimate?: { stepSeconds?: number | null; imageSeconds?: number | null }): string {
  if (plan.folds === 0) {
    return `Scores ${plan.images} validation images${plan.run ? ` of run ${plan.run}` : ''} with its best checkpoint: no training. Those images were not trained on, so their scores are out of sample.`;
  }
  const steps = plan.folds * plan.stepsPerFold;
  const like = plan.run ? `, each fold trained like run ${plan.run}` : '';
  const cap = plan.capped ? ` (capped at ${maxStepsPerEpoch.toLocaleString('en-US')} steps an epoch)` : '';
  const base = `${plan.folds} folds x ${plan.stepsPerFold} steps at ${plan.inputSize} px: each pixel ${passesText(plan.passes)}${cap} (${steps} training steps${like}), then ${plan.images} images predicted once each by the model that never saw them`;
  const stepSeconds = estimate?.stepSeconds;
  if (!stepSeconds) return `${base}.`;
  const imageSeconds = estimate.imageSeconds ?? 0;
  const seconds = steps * stepSeconds + plan.images * imageSeconds;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return `${base}: about ${minutes} min (${stepSeconds.toFixed(2)} s a step${imageSeconds ? `, ${imageSeconds.toFixed(1)} s an image` : ''}).`;
}

/**
 * The strength gate's two bars (issue 31): below them the fold models are too weak to tell label
 * errors from their own mistakes, and the ranking is about chance. First estimates, not fitted:
 *
 * - `weakMiouFloor`: out-of-fold mIoU. bench/label-errors.ts (docs/benches.md, 2026-12-02) ranked
 *   corrupted dubai tiles at AUPRC 0.415 against chance 0.15 with fold models of 192 steps of the
 *   quick preset. That bench did not print their mIoU (it does now); the nearest measured model,
 *   bench/ablation-dubai.ts's baseline U-Net after 150 steps on the same tiles, had 0.31 over the
 *   five labelled classes. The floor sits below that: a check under it has weaker models than any
 *   the bench has seen rank above chance. On a held-out real dataset whose ranking was no better
 *   than chance (issue 31), the per-class self-confidence was 0.06 to 0.33.
 * - `weakClassMargin`: a class is too weak when the models are hardly surer of it on its own pixels
 *   than elsewhere: its mean self-confidence (its threshold) is less than `margin` above the mean
 *   probability they give it on the other classes' pixels (its chance level). A model that knows
 *   only the class frequencies gives a class its pixel share on every pixel: a gap of 0. For a
 *   calibrated model (mean probability of a class = its share) the rule reads confidence - share <
 *   margin x (1 - share), the self-confidence against the pixel share; the gap itself needs no
 *   calibration, which half-trained models lack: on the planted-error set of the tests, models
 *   that had learnt Background (out-of-fold IoU 0.95) gave it 0.68 against a share of 0.83, and
 *   2-step models gave Building 0.51 against a share of 0.17 by calling most pixels Building.
 *   0.2: on that set Background's gap was 0.12 to 0.15 while its IoU was 0.04 to 0.15 (2 to 8
 *   steps per fold) and 0.33 once it was 0.85 (20 steps); in the bench, Road (7.7% of the pixels,
 *   self-confidence 0.15) had a gap of about 0.08 if calibrated, and its errors ranked at chance.
 */
const weakMiouFloor = 0.25;
const weakClassMargin = 0.2;

/** What one fold's model scored: its own (held-out) images only. */
const foldStrengthSchema = z.object({
  fold: z.number().int(),
  images: z.number().int(),
  /** Out-of-fold mIoU over the classes labelled or predicted in its images. */
  miou: z.number().nullable(),
  /** Per class, the mean probability the model gives the class's labelled pixels (null: none). */
  confidence: z.array(z.number().nullable()),
});

/** The strength gate of one check, stored with it (label_checks.strength) and shown above its queue. */
export const checkStrengthSchema = z.object({
  /** Out-of-fold mIoU over every scored image together; null: nothing labelled was scored. */
  miou: z.number().nullable(),
  folds: z.array(foldStrengthSchema),
  /** Per class (training labels), over every scored image. */
  classes: z.array(
    z.object({
      iou: z.number().nullable(),
      /** Mean self-confidence: the probability the models give the class's own pixels (the check's threshold). */
      confidence: z.number().nullable(),
      /** Mean probability they give the class on the other classes' pixels: its chance level (null: no such pixel). */
      chance: z.number().nullable(),
      /** The class's share of the labelled pixels scored. */
      share: z.number(),
      /** confidence - chance < margin. */
      weak: z.boolean(),
    }),
  ),
  /** Too weak to judge overall: mIoU below `floor` (or nothing scored). */
  weak: z.boolean(),
  /** The bars it was judged by. */
  floor: z.number(),
  margin: z.number(),
});
export type CheckStrength = z.output<typeof checkStrengthSchema>;

/**
 * Per class, over the labelled pixels of some images: predicted and labelled c (tp), predicted c
 * but labelled otherwise (fp), labelled c but predicted otherwise (fn), and the sum of the
 * probability of c over every labelled pixel, in the levels the histograms use (prob).
 */
export interface StrengthCounts {
  tp: number[];
  fp: number[];
  fn: number[];
  prob: number[];
}

export const emptyStrengthCounts = (classes: number): StrengthCounts => ({
  tp: new Array<number>(classes).fill(0),
  fp: new Array<number>(classes).fill(0),
  fn: new Array<number>(classes).fill(0),
  prob: new Array<number>(classes).fill(0),
});

export function addStrengthCounts(into: StrengthCounts, add: StrengthCounts): void {
  for (const key of ['tp', 'fp', 'fn', 'prob'] as const) into[key].forEach((_, c) => (into[key][c]! += add[key][c] ?? 0));
}

const iouOf = (tp: number, fp: number, fn: number): number | null => (tp + fp + fn > 0 ? tp / (tp + fp + fn) : null);
const meanOfValues = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : null;
};

/**
 * The strength gate (issue 31), from each fold's counts and given-label histograms over the images
 * it scored: per fold its out-of-fold mIoU and per-class self-confidence; over all folds the mIoU,
 * and per class its self-confidence, chance level and pixel share. Too weak overall: mIoU below
 * `floor`; a class too weak: confidence - chance < margin.
 */
export function judgeStrength(
  folds: readonly { fold: number; images: number; counts: StrengthCounts; histograms: readonly (readonly number[])[] }[],
  classes: number,
  floor = weakMiouFloor,
  margin = weakClassMargin,
): CheckStrength {
  const total = emptyStrengthCounts(classes);
  const histograms = Array.from({ length: classes }, () => new Array<number>(labelErrorLevels + 1).fill(0));
  const perFold = folds.map((f) => {
    addStrengthCounts(total, f.counts);
    addHistograms(histograms, f.histograms);
    const ious = Array.from({ length: classes }, (_, c) => iouOf(f.counts.tp[c] ?? 0, f.counts.fp[c] ?? 0, f.counts.fn[c] ?? 0));
    return {
      fold: f.fold,
      images: f.images,
      miou: meanOfValues(ious),
      confidence: classThresholds(Array.from({ length: classes }, (_, c) => f.histograms[c] ?? [])),
    };
  });
  const confidence = classThresholds(histograms);
  const labelled = histograms.map((h) => h.reduce((a, b) => a + b, 0));
  const all = labelled.reduce((a, b) => a + b, 0);
  const perClass = Array.from({ length: classes }, (_, c) => {
    const share = all > 0 ? labelled[c]! / all : 0;
    const conf = confidence[c] ?? null;
    const others = all - labelled[c]!;
    // The probability of c summed over its own pixels is conf x its pixels (both in levels), so the rest is over the other classes' pixels.
    const chance = others > 0 ? Math.max(0, total.prob[c]! - (conf ?? 0) * labelled[c]!) / others : null;
    return {
      iou: iouOf(total.tp[c]!, total.fp[c]!, total.fn[c]!),
      confidence: conf,
      chance,
      share,
      weak: conf !== null && chance !== null && conf - chance < margin,
    };
  });
  const miou = meanOfValues(perClass.map((c) => c.iou));
  return { miou, folds: perFold, classes: perClass, weak: miou === null || miou < floor, floor, margin };
}

/** What to do about weak fold models, in one sentence (each notice of the queue header; once in the CLI). */
export const strengthAdvice =
  "Train stronger fold models: more epochs per fold, a larger input size, pretrained encoder weights (a run config that starts from them), or a finished run's config (Models: Config of run X, or --config-from RUN).";

/**
 * The strength gate in words: a line overall and one per weak class (none when the models are
 * strong enough), each to be followed by `strengthAdvice`. The GUI shows each as a warning notice,
 * the CLI prints them.
 */
export function strengthNotes(
  strength: CheckStrength,
  classNames: readonly string[],
): { overall: string | null; classes: { index: number; name: string; text: string }[] } {
  const f2 = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  const overall = strength.weak
    ? `Too weak to judge: the fold models' out-of-fold mIoU is ${f2(strength.miou)}, below ${strength.floor.toFixed(2)}, so this ranking is likely no better than chance.`
    : null;
  const classes = strength.classes.flatMap((c, index) => {
    if (!c.weak) return [];
    const name = classNames[index] ?? `class ${index}`;
    return [
      {
        index,
        name,
        text: `${name}: too weak to judge. The models give its own pixels ${f2(c.confidence)} on average and other classes' pixels ${f2(c.chance)} (its pixel share is ${f2(c.share)}): hardly surer of it than chance, so its label errors cannot be told from the models' own mistakes.`,
      },
    ];
  });
  return { overall, classes };
}

/** The gate's figures in one line: "out-of-fold mIoU 0.62 (folds 0.60, 0.64, 0.61)". */
export function strengthSummary(strength: CheckStrength): string {
  const f2 = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  return `out-of-fold mIoU ${f2(strength.miou)}${strength.folds.length > 1 ? ` (folds ${strength.folds.map((f) => f2(f.miou)).join(', ')})` : ''}`;
}

/** Per class with labelled pixels: "Building 0.91 / 0.02 / 0.17" (self-confidence / on other classes' pixels / pixel share). */
export function strengthClassFigures(strength: CheckStrength, classNames: readonly string[]): string[] {
  const f2 = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  return strength.classes.flatMap((c, i) =>
    c.confidence === null ? [] : [`${classNames[i] ?? `class ${i}`} ${f2(c.confidence)} / ${f2(c.chance)} / ${f2(c.share)}`],
  );
}

/** What main hands the engine for a `label-errors` job. */
export const labelErrorJobParamsSchema = z.object({
  checkId: z.number().int(),
  datasetId: z.string().min(1),
  /** Fold models (`fold-<k>/`), per-image files and each finished fold's `scores.json`. */
  outDir: z.string().min(1),
  config: resolvedConfigSchema,
  classNames: z.array(z.string()),
  labelMap: labelMapSchema,
  classPixels: z.array(z.number()),
  /** Every image to score, with its fold (0..folds-1). */
  items: z.array(trainItemSchema.extend({ fold: z.number().int().min(0) })),
  /** 0 with `reuse`: one finished run's checkpoint scores all items (they are its validation images). */
  folds: z.number().int().min(0).max(maxFolds),
  reuse: z.object({ runDir: z.string().min(1), checkpoint: z.enum(['best', 'last']), external: externalModelSchema.nullable().optional() }).optional(),
  /** How the fold models were sized (absent in checks stored before plans). */
  plan: labelErrorPlanSchema.optional(),
});
export type LabelErrorJobParams = z.output<typeof labelErrorJobParamsSchema>;

/** One image's scores as the job computed them. */
export interface LabelErrorImageResult {
  imageId: number;
  fold: number;
  labelled: number;
  softmin: number | null;
  below: number;
  disagreement: number;
  flagged: number;
  /** classes x classes, given-major: flagged pixels by given label and predicted label. */
  pairs: number[];
}

export interface LabelErrorJobResult {
  thresholds: (number | null)[];
  /** The strength gate: out-of-fold mIoU, per-class self-confidence against pixel share. */
  strength: CheckStrength;
  images: LabelErrorImageResult[];
  /** For each fold, the images its model trained on (never the ones it scored). */
  trainedOn: { fold: number; imageIds: number[] }[];
  skipped: { imageId: number; message: string }[];
}
