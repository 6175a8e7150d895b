import { z } from './zod';

export const predictionVariants = ['plain', 'tta'] as const;
export type PredictionVariant = (typeof predictionVariants)[number];

export const predictSplitSchema = z.strictObject({
  runId: z.string().min(1),
  split: z.enum(['val', 'test']).default('val'),
  /** Flip test-time augmentation, stored beside the plain prediction. */
  tta: z.boolean().default(false),
});

export interface PredictionVariantSummary {
  variant: PredictionVariant;
  split: string;
  /** The epoch of the checkpoint that made these predictions, as the predict job read it. */
  epoch: number | null;
  images: number;
  createdAt: string;
  /** Summed confusion, classes x classes, truth-major. */
  confusion: number[];
  classIou: (number | null)[];
  miou: number | null;
}

export interface PredictionSummary {
  runId: string;
  /** The run's best epoch now: stored predictions of another epoch are stale. */
  bestEpoch: number | null;
  classNames: string[];
  variants: PredictionVariantSummary[];
}

export const confusionImagesSchema = z.strictObject({
  runId: z.string().min(1),
  variant: z.enum(predictionVariants).default('plain'),
  truth: z.number().int().min(0),
  predicted: z.number().int().min(0),
  limit: z.number().int().min(1).max(500).default(50),
});

export interface ImageShare {
  imageId: number;
  stem: string;
  /** Pixels that count (the confusion cell's, or the confidently wrong ones). */
  pixels: number;
  /** As a share of the image's labelled pixels. */
  share: number;
  /** The image's mask has been corrected since (a label revision is in effect). */
  corrected: boolean;
}

export const reviewQueueSchema = z.strictObject({
  runId: z.string().min(1),
  variant: z.enum(predictionVariants).default('plain'),
  /** Pixels count when the prediction's probability is at least this and it differs from the truth. */
  threshold: z.number().min(0.5).max(0.95).default(0.9),
  limit: z.number().int().min(1).max(5000).default(300),
});

/**
 * The highest confidence threshold (a bin's lower edge: 0.05 steps for 20 bins) at which any
 * pixel is confidently wrong, over all images; null when no pixel is wrong at all.
 */
export function highestWrongLevel(images: readonly (readonly number[])[]): number | null {
  let best = -1;
  for (const bins of images) for (let b = bins.length - 1; b > best; b -= 1) if ((bins[b] ?? 0) > 0) best = b;
  // Bin b of n holds confidences from b / n: confidentlyWrong counts it at that threshold.
  return best < 0 ? null : best / (images[0]?.length ?? 1);
}

export interface ReviewQueue {
  items: ImageShare[];
  /** When `items` is empty: the highest threshold at which the queue would have images (null: no pixel is wrong at all). */
  highestThreshold: number | null;
}

/** Wrong pixels at or above `threshold` confidence, from the 20-bin histogram (threshold rounds down to a bin edge). */
export function confidentlyWrong(bins: readonly number[], threshold: number): number {
  const from = Math.floor(threshold * bins.length + 1e-9);
  let n = 0;
  for (let b = from; b < bins.length; b += 1) n += bins[b] ?? 0;
  return n;
}

/** Row-normalised confusion: each truth row sums to 1 (rows without pixels stay 0). */
export function normaliseRows(confusion: readonly number[], classes: number): number[] {
  const out = new Array<number>(classes * classes).fill(0);
  for (let t = 0; t < classes; t += 1) {
    let sum = 0;
    for (let p = 0; p < classes; p += 1) sum += confusion[t * classes + p] ?? 0;
    if (sum > 0) for (let p = 0; p < classes; p += 1) out[t * classes + p] = (confusion[t * classes + p] ?? 0) / sum;
  }
  return out;
}
