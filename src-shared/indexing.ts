import { z } from './zod';
import type { MaskKind } from './classes';
import type { RasterInfo } from './bands';
import type { BandSums } from './band-stats';

/** One image/mask pair for the engine to index. Paths are absolute. */
const indexItemSchema = z.object({
  imageId: z.number().int(),
  imagePath: z.string().min(1),
  maskPath: z.string().min(1),
  /** The corrected mask in effect, if any: its values are counted; the original is still stamped. */
  revisionPath: z.string().optional(),
});
export type IndexItem = z.output<typeof indexItemSchema>;

export const indexJobParamsSchema = z.object({
  datasetId: z.string().min(1),
  /** Where thumbnails go: `<thumbDir>/<imageId>.jpg` and `<imageId>.mask.png`. */
  thumbDir: z.string().min(1),
  thumbSize: z.number().int().min(16).max(1024),
  items: z.array(indexItemSchema),
});
export type IndexJobParams = z.output<typeof indexJobParamsSchema>;

export type IndexProblemKind = 'missing-file' | 'unreadable-image' | 'unreadable-mask' | 'size-mismatch' | 'not-a-class-mask' | 'noisy-mask' | 'band-mismatch';

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
      /**
       * A TIFF read through geotiff.js: what it holds; for a multispectral one its per-band sums and a
       * sample of each band's values (none for an RGB + alpha picture, recorded to say its alpha is dropped).
       */
      raster?: { info: RasterInfo; sums: BandSums[]; samples: number[][] };
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

export const sampleJobParamsSchema = z.object({
  outDir: z.string().min(1),
  count: z.number().int().min(1),
  size: z.number().int().min(8),
  seed: z.number().int(),
  /** land-cover: RGB JPEG tiles with palette masks; multispectral: 7-band GeoTIFFs (kelp) with index GeoTIFF masks. */
  kind: z.enum(['land-cover', 'multispectral']).optional(),
});
export type SampleJobParams = z.output<typeof sampleJobParamsSchema>;
