import { mulberry32 } from './random';
import { labelMapSchema, resolvedConfigSchema, trainItemSchema } from './training';
import { runConfigSchema } from './run-config';
import type { RunConfig } from './run-config';
import { z } from './zod';

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
export const softminTemperature = 0.1;
export const labelErrorScores = ['softmin', 'below-threshold', 'disagreement'] as const;
export type LabelErrorScore = (typeof labelErrorScores)[number];
export const scoreTitles: Record<LabelErrorScore, string> = {
  softmin: 'softmin of p(given label)',
  'below-threshold': 'share below class threshold',
  disagreement: 'confident disagreement (≥ 50%)',
};
/** A level value that marks a pixel without a label (ignore class or unknown value). */
export const unlabelledLevel = 255;
export const minFolds = 3;
export const maxFolds = 5;

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
export function connectedRegions(flag: Uint8Array, width: number, height: number): { labels: Int32Array; regions: { pixels: number; x0: number; y0: number; x1: number; y1: number }[] } {
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
 * The quick preset of a check's fold models: a small U-Net at 128 px, long enough to learn the
 * dataset's look, short enough for K of them on a laptop. A run's own config replaces it on request.
 */
export function quickCheckConfig(datasetId: string): RunConfig {
  return runConfigSchema.parse({
    datasetId,
    model: 'unet',
    modelOptions: { depth: 3, width: 16 },
    inputSize: 128,
    batchSize: 4,
    epochs: 10,
    optimizer: { name: 'adam', lr: 2e-3 },
    loss: { name: 'ce' },
  });
}

/** Training steps of one fold model: one pass over the other folds' images per epoch, as the train job counts them. */
export function stepsPerFold(images: number, folds: number, config: Pick<RunConfig, 'batchSize' | 'epochs' | 'stepsPerEpoch'>): number {
  const trainImages = images - Math.ceil(images / Math.max(1, folds));
  return (config.stepsPerEpoch ?? Math.max(1, Math.ceil(trainImages / config.batchSize))) * config.epochs;
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
  inputSize: z.number().int().min(32).max(1024).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
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

export const labelErrorKeepSchema = z.strictObject({ checkId: z.number().int().positive(), imageId: z.number().int().positive() });

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

export interface LabelErrorQueue {
  check: LabelCheckSummary;
  score: LabelErrorScore;
  items: LabelErrorItem[];
  /** Images in the queue before the limit (not reviewed, matching the pair). */
  total: number;
}

/** What the start panel says before the job runs: how much training and prediction it is. */
export function labelErrorPlanText(plan: { folds: number; images: number; stepsPerFold: number; inputSize: number; stepSeconds?: number | null; imageSeconds?: number | null }): string {
  const steps = plan.folds * plan.stepsPerFold;
  const base = `${plan.folds} folds x ${plan.stepsPerFold} steps at ${plan.inputSize} px (${steps} training steps), then ${plan.images} images predicted once each by the model that never saw them`;
  if (!plan.stepSeconds) return `${base}.`;
  const seconds = steps * plan.stepSeconds + plan.images * (plan.imageSeconds ?? 0);
  const minutes = Math.max(1, Math.round(seconds / 60));
  return `${base}: about ${minutes} min (${plan.stepSeconds.toFixed(2)} s a step${plan.imageSeconds ? `, ${plan.imageSeconds.toFixed(1)} s an image` : ''}).`;
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
  reuse: z.object({ runDir: z.string().min(1), checkpoint: z.enum(['best', 'last']) }).optional(),
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
  images: LabelErrorImageResult[];
  /** For each fold, the images its model trained on (never the ones it scored). */
  trainedOn: { fold: number; imageIds: number[] }[];
  skipped: { imageId: number; message: string }[];
}
