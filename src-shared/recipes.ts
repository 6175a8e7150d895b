import { z } from './zod';

/**
 * Data-centric training recipes that change what the model sees, not the files: minority
 * replication and hard-sample weights (the sampler) and minority-centred crops (the cropper).
 * The arithmetic lives here so main's preview, the engine and the tests share it.
 */
export const replicationSchema = z.strictObject({
  /** Class names (the dataset's) whose presence qualifies an image. */
  classes: z.array(z.string().min(1)).min(1).max(64),
  /** An image qualifies when one of those classes covers at least this share of it (0..1). */
  minShare: z.number().min(0).max(1).default(0.05),
  /** A qualifying image is drawn this many times per pass (1 = no change). */
  times: z.number().int().min(1).max(20).default(2),
  /** Resolved by main: repeats by image id. */
  repeats: z.record(z.string(), z.number().int().min(1).max(20)).optional(),
});
export type Replication = z.output<typeof replicationSchema>;

export const minorityCropSchema = z.strictObject({
  classes: z.array(z.string().min(1)).min(1).max(64),
  /** Share of crops centred on a pixel of those classes (0..1); the rest are random. */
  share: z.number().min(0).max(1).default(0.7),
  /** Resolved by main: the training labels of those classes. */
  labels: z.array(z.number().int().min(0).max(254)).optional(),
});
export type MinorityCrops = z.output<typeof minorityCropSchema>;

export interface ImageClassPixels {
  id: number;
  /** Pixels of the whole image (width x height). */
  totalPixels: number;
  /** Pixels per class position (the dataset's class order). */
  classPixels: readonly number[];
}

/** Repeats per qualifying image: those where any chosen class covers at least `minShare` of the image. */
export function replicationRepeats(images: readonly ImageClassPixels[], classPositions: readonly number[], minShare: number, times: number): Record<string, number> {
  const repeats: Record<string, number> = {};
  if (times <= 1) return repeats;
  for (const image of images) {
    if (image.totalPixels <= 0) continue;
    const qualifies = classPositions.some((c) => (image.classPixels[c] ?? 0) / image.totalPixels >= minShare && (image.classPixels[c] ?? 0) > 0);
    if (qualifies) repeats[String(image.id)] = times;
  }
  return repeats;
}

/** How often each image is drawn relative to the others: hard-sample weight (default 1) times its repeats. */
export function drawWeight(id: number, weights: Readonly<Record<string, number>> | undefined, repeats: Readonly<Record<string, number>> | undefined): number {
  return (weights?.[String(id)] ?? 1) * (repeats?.[String(id)] ?? 1);
}

/**
 * Expected share of each class among the pixels the sampler shows: images weighted by how often
 * they are drawn. `classes` are the positions to report (the ignore class left out by the caller).
 */
export function exposure(images: readonly ImageClassPixels[], classes: readonly number[], weightOf: (id: number) => number): number[] {
  const totals = classes.map(() => 0);
  for (const image of images) {
    const w = weightOf(image.id);
    classes.forEach((c, k) => (totals[k]! += w * (image.classPixels[c] ?? 0)));
  }
  const sum = totals.reduce((a, b) => a + b, 0);
  return totals.map((t) => (sum > 0 ? t / sum : 0));
}

/**
 * Top-left corner of a crop of `side` pixels whose middle pixel (index side / 2) is pixel
 * `centre`, along one axis of `length`: shifted to stay inside the image; centred (negative,
 * padded) when the image is smaller.
 */
export function centredOrigin(centre: number, side: number, length: number): number {
  if (length <= side) return (length - side) / 2;
  return Math.min(length - side, Math.max(0, centre - side / 2));
}

export interface RecipePreview {
  trainImages: number;
  /** Images that replication repeats. */
  replicated: number;
  /** Draws per uniform pass: training images plus the extra repeats. */
  drawsPerPass: number;
  classNames: string[];
  /** Expected pixel share per class: uniform sampling, and with replication and hard-sample weights. */
  sharesBefore: number[];
  sharesAfter: number[];
}
