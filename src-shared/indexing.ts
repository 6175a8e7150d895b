import type { MaskKind } from './classes';

/** One image/mask pair for the engine to index. Paths are absolute. */
export interface IndexItem {
  imageId: number;
  imagePath: string;
  maskPath: string;
  /** The corrected mask in effect, if any: its values are counted; the original is still stamped. */
  revisionPath?: string;
}

export interface IndexJobParams {
  datasetId: string;
  /** Where thumbnails go: `<thumbDir>/<imageId>.jpg` and `<imageId>.mask.png`. */
  thumbDir: string;
  thumbSize: number;
  items: IndexItem[];
}

export const indexProblemKinds = [
  'missing-file',
  'unreadable-image',
  'unreadable-mask',
  'size-mismatch',
  'not-a-class-mask',
  'noisy-mask',
] as const;
export type IndexProblemKind = (typeof indexProblemKinds)[number];

export interface FileStamp {
  size: number;
  mtimeMs: number;
}

export type IndexedImage =
  | {
      imageId: number;
      ok: true;
      width: number;
      height: number;
      imageStamp: FileStamp;
      maskStamp: FileStamp;
      maskKind: MaskKind;
      /** [mask value, pixel count], every distinct value in the mask. */
      values: [number, number][];
    }
  | {
      imageId: number;
      ok: false;
      problem: IndexProblemKind;
      message: string;
      imageStamp: FileStamp | null;
      maskStamp: FileStamp | null;
    };

/** A mask with more distinct values than this is a photo or a lossy (JPEG) mask, not classes. */
export const maxMaskValues = 1024;

/** Above this many distinct mask values, SegBench asks before it creates one class per value. */
export const maxAutoClasses = 64;

/**
 * Masks with far more distinct values than the rest of the dataset: more than 4x the median, and
 * at least 32 more. Needs three masks to have a median to go on. Returns the outliers and the
 * largest count among the others.
 */
export function noisyMaskOutliers(counts: readonly { id: number; n: number }[]): { outliers: { id: number; n: number }[]; median: number; typicalMax: number } {
  if (counts.length < 3) return { outliers: [], median: 0, typicalMax: 0 };
  const sorted = counts.map((c) => c.n).sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const limit = Math.max(4 * median, median + 32);
  const outliers = counts.filter((c) => c.n > limit);
  const typicalMax = Math.max(0, ...counts.filter((c) => c.n <= limit).map((c) => c.n));
  return { outliers, median, typicalMax };
}

export interface SampleJobParams {
  outDir: string;
  count: number;
  size: number;
  seed: number;
}
