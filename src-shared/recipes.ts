import { z } from './zod';

/**
 * Data-centric training recipes that change what the model sees, not the files: minority
 * replication and hard-sample weights (the sampler) and minority-centred crops (the cropper).
 * The arithmetic lives here so main's preview, the engine and the tests share it.
 */
export const replicationSchema = z.strictObject({
  classes: z.array(z.string().min(1)).min(1).max(64).describe("Class names (the dataset's) whose presence qualifies an image."),
  minShare: z.number().min(0).max(1).default(0.05).describe('An image qualifies when one of those classes covers at least this share of it (0..1).'),
  times: z.number().int().min(1).max(20).default(2).describe('A qualifying image is drawn this many times per pass (1 = no change).'),
  repeats: z
    .record(z.string(), z.number().int().min(1).max(20))
    .optional()
    .describe('Resolved by main when the run starts: repeats by image id. Leave it out.'),
});

export const minorityCropSchema = z.strictObject({
  classes: z.array(z.string().min(1)).min(1).max(64).describe("Class names (the dataset's) whose pixels centre crops."),
  share: z.number().min(0).max(1).default(0.7).describe('Share of crops centred on a pixel of those classes (0..1); the rest are random.'),
  labels: z
    .array(z.number().int().min(0).max(254))
    .optional()
    .describe('Resolved by main when the run starts: the training labels of those classes. Leave it out.'),
});

export interface ImageClassPixels {
  id: number;
  /** Pixels of the whole image (width x height). */
  totalPixels: number;
  /** Pixels per class position (the dataset's class order). */
  classPixels: readonly number[];
}

/** Repeats per qualifying image: those where any chosen class covers at least `minShare` of the image. */
export function replicationRepeats(
  images: readonly ImageClassPixels[],
  classPositions: readonly number[],
  minShare: number,
  times: number,
): Record<string, number> {
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

/**
 * Mean class composition of a crop of `side` pixels centred on a uniformly drawn pixel of the
 * `minority` classes, placed as the data loader places it (`centredOrigin`: shifted inside the
 * image). `labels` holds a class position per pixel (-1 for unknown or ignore). Returns, per class
 * position below `classes`, the mean share of the crop's area that the class covers (pixels
 * outside the image count for nothing), or null when the image holds no minority pixel (the
 * loader then draws a random crop). Counting uses one summed-area table per class: O(pixels x classes).
 */
export function minorityCropShares(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  minority: readonly number[],
  side: number,
  classes: number,
): number[] | null {
  const wanted = new Set(minority);
  const stride = width + 1;
  // Summed-area tables, one per class: sums[c][(y) * stride + x] = pixels of c above and left of (x, y).
  const sums = Array.from({ length: classes }, () => new Float64Array(stride * (height + 1)));
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const label = labels[y * width + x]!;
      for (let c = 0; c < classes; c += 1) {
        const table = sums[c]!;
        table[(y + 1) * stride + x + 1] = table[y * stride + x + 1]! + table[(y + 1) * stride + x]! - table[y * stride + x]! + (label === c ? 1 : 0);
      }
    }
  }
  const totals = new Array<number>(classes).fill(0);
  let centres = 0;
  const area = side * side;
  const span = (centre: number, length: number): [number, number] => {
    const origin = Math.round(centredOrigin(centre, side, length));
    return [Math.max(0, origin), Math.min(length, origin + Math.round(side))];
  };
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (!wanted.has(labels[y * width + x]!)) continue;
      centres += 1;
      const [x0, x1] = span(x, width);
      const [y0, y1] = span(y, height);
      for (let c = 0; c < classes; c += 1) {
        const t = sums[c]!;
        totals[c]! += (t[y1 * stride + x1]! - t[y0 * stride + x1]! - t[y1 * stride + x0]! + t[y0 * stride + x0]!) / area;
      }
    }
  }
  return centres === 0 ? null : totals.map((t) => t / centres);
}

/** One training image as a draw sees it: class shares of its area, and of a minority-centred crop when it has minority pixels. */
export interface DrawComposition {
  id: number;
  /** Per reported class: its share of the image's area (a random crop's expectation). */
  imageShares: readonly number[];
  /** Per reported class: the mean share of a minority-centred crop's area; null without minority pixels. */
  cropShares: readonly number[] | null;
}

/**
 * Expected share of each reported class among the labelled pixels of the crops the model sees:
 * each draw weighted by the sampler, a share `cropShare` of the draws of images with minority
 * pixels centred on them, the rest random (expected composition: the image's own).
 */
export function cropExposure(draws: readonly DrawComposition[], weightOf: (id: number) => number, cropShare: number): number[] {
  const totals: number[] = [];
  for (const draw of draws) {
    const w = weightOf(draw.id);
    draw.imageShares.forEach((share, k) => {
      const crop = draw.cropShares?.[k];
      totals[k] = (totals[k] ?? 0) + w * (crop === undefined ? share : cropShare * crop + (1 - cropShare) * share);
    });
  }
  const sum = totals.reduce((a, b) => a + b, 0);
  return totals.map((t) => (sum > 0 ? t / sum : 0));
}

export interface RecipePreview {
  trainImages: number;
  /** Images that replication repeats. */
  replicated: number;
  /** Draws per uniform pass: training images plus the extra repeats. */
  drawsPerPass: number;
  classNames: string[];
  /** Expected pixel share per class: uniform sampling, and with every recipe (sampler weights, replication, minority crops). */
  sharesBefore: number[];
  sharesAfter: number[];
  /** With minority crops: training images that hold a pixel of those classes, and the crop side in image pixels at the mean scale. */
  minorityCrops: { images: number; side: number; share: number } | null;
}
