import { classListSchema, presetIds } from './classes';
import type { BandLayout, RasterInfo } from './bands';
import type { BandStatistics } from './band-stats';
import type { ClassDef, MaskKind } from './classes';
import type { IndexProblemKind } from './indexing';
import type { SplitConfig, SplitName } from './splits';
import { splitNames } from './splits';
import { z } from './zod';

/**
 * indexing: the index job is queued or running; ready: indexed, with images to train on;
 * incomplete: indexing stopped before the end; unusable: indexed, but every image was skipped as a
 * problem (the database stores it as ready; the summary says unusable, so nothing offers it for training).
 */
export type DatasetState = 'indexing' | 'ready' | 'incomplete' | 'unusable';

const folder = z.string().trim().min(1, 'a folder path');
const datasetId = z.string().min(1);

export const scanRequestSchema = z.strictObject({
  imagesDir: folder,
  /** Omitted when images and masks share one folder. */
  masksDir: folder.optional(),
});

export const importRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  imagesDir: folder,
  masksDir: folder.optional(),
  /** A preset id, `auto` (pick the preset that fits the masks, if any) or `none` (name classes yourself). */
  preset: z.enum(['auto', 'none', ...presetIds] as [string, ...string[]]).default('auto'),
});
export type ImportRequest = z.output<typeof importRequestSchema>;

export const setClassesRequestSchema = z.strictObject({ datasetId, classes: classListSchema });

export const imagesRequestSchema = z.strictObject({
  datasetId,
  split: z.enum([...splitNames, 'none']).optional(),
  /** Only images where this class (position in the class list) covers [minShare, maxShare] of the pixels. */
  classIndex: z.number().int().min(0).max(254).optional(),
  minShare: z.number().min(0).max(1).default(0),
  maxShare: z.number().min(0).max(1).default(1),
  /** `share` sorts by the share of `classIndex` (largest first). */
  sort: z.enum(['name', 'share']).default('name'),
  problemsOnly: z.boolean().default(false),
});
export type ImagesRequest = z.output<typeof imagesRequestSchema>;

export const datasetIdRequestSchema = z.strictObject({ datasetId });
/** One pixel of a multispectral image: every band's value there (the viewer's value under the cursor). */
export const pixelRequestSchema = z.strictObject({ imageId: z.number().int().min(1), x: z.number().int().min(0), y: z.number().int().min(0) });
export interface PixelValues {
  x: number;
  y: number;
  names: string[];
  values: number[];
  /** True when a band holds the image's nodata value there. */
  nodata: boolean;
}

/** A multispectral dataset's band names, one a band in file order; names must differ. */
export const renameBandsRequestSchema = z.strictObject({
  datasetId,
  names: z
    .array(z.string().trim().min(1).max(32))
    .min(1)
    .max(64)
    .refine((names) => new Set(names.map((n) => n.toLowerCase())).size === names.length, { message: 'two bands have the same name' }),
});
export const imageIdRequestSchema = z.strictObject({ imageId: z.number().int().min(1) });

/** Why a JPEG cannot be a mask, for every report that lists them. */
export const lossyMaskAdvice =
  'Masks must be PNG or TIFF (lossless): JPEG compression blurs the label values at every edge, so a JPEG mask holds colours that are no class. Export these masks as PNG and import again.';

/**
 * What pairing found, stored in datasets.pairing. A derived dataset (a merge, pseudo-labels)
 * stores `{}`: it reads back as no pairs and nothing skipped.
 */
export const pairingSummarySchema = z.object({
  imagesDir: z.string().default(''),
  masksDir: z.string().default(''),
  pairs: z.number().int().default(0),
  /** A few of the pairs, to show what was matched. */
  examples: z.array(z.object({ stem: z.string(), image: z.string(), mask: z.string() })).default([]),
  imagesWithoutMasks: z.array(z.string()).default([]),
  masksWithoutImages: z.array(z.string()).default([]),
  duplicates: z.array(z.object({ stem: z.string(), files: z.array(z.string()) })).default([]),
  ignored: z.array(z.string()).default([]),
  /** JPEGs offered as masks, refused (absent in reports stored before it was added). */
  lossyMasks: z.array(z.string()).optional(),
  /** One folder given: the sub-folders taken as images and as masks by their names (absent when none). */
  roles: z.object({ images: z.array(z.string()), masks: z.array(z.string()) }).optional(),
  /** Symbolic links that could not be followed (broken, or back into a folder already listed). */
  links: z.array(z.string()).optional(),
});
export type PairingSummary = z.output<typeof pairingSummarySchema>;

interface ImageProblem {
  imageId: number;
  stem: string;
  kind: IndexProblemKind;
  message: string;
}

interface MaskValueSummary {
  value: number;
  pixels: number;
  images: number;
  /** Position of the class that owns this value; null = unknown (treated as ignore). */
  classIndex: number | null;
  /** For unknown values: some of the images that hold it. */
  exampleImages: string[];
}

export interface DatasetSummary {
  id: string;
  name: string;
  state: DatasetState;
  imageCount: number;
  indexedCount: number;
  problemCount: number;
  classCount: number;
  createdAt: string;
  /** The running or queued index job, for its progress bar. */
  indexJobId: string | null;
  /** An indexed image to show as the dataset's preview tile (its thumbnail); null before any is indexed. */
  previewImageId: number | null;
}

export interface DatasetDetail extends DatasetSummary {
  imagesDir: string;
  masksDir: string;
  maskKind: MaskKind | null;
  preset: string | null;
  classes: ClassDef[];
  pairing: PairingSummary;
  problems: ImageProblem[];
  values: MaskValueSummary[];
  unknownPixels: number;
  splitCounts: Record<SplitName | 'none', number>;
  splitConfig: SplitConfig | null;
  /** Images whose mask in effect is a label correction. */
  correctedCount: number;
  /** For a dataset SegBench derived (a merge, pseudo-labels): how, in words; null for an imported folder. */
  origin: string | null;
  /** A multispectral (GeoTIFF) dataset's bands; null for RGB images. */
  bands: BandLayout | null;
  /**
   * Indexed RGB + alpha TIFFs (4 bands of uint8): pictures whose alpha band is dropped. Their
   * number and a few names; null when there are none.
   */
  alpha: { images: number; bands: string; examples: string[] } | null;
}

interface ClassStat {
  pixels: number;
  images: number;
  /** pixels / all class pixels of the split (ignore and unknown pixels left out). */
  share: number;
}

export interface SplitStats {
  split: SplitName | 'all';
  images: number;
  classes: ClassStat[];
  /** Largest share over smallest non-zero share among non-ignore classes; null when under two classes. */
  imbalanceRatio: number | null;
}

export interface DatasetStats {
  datasetId: string;
  classes: ClassDef[];
  splits: SplitStats[];
  /**
   * A multispectral dataset's per-band statistics over its training images (all images when none
   * is in training yet), which `over` names; null for RGB datasets.
   */
  bands: { over: 'train' | 'all'; images: number; stats: BandStatistics[] } | null;
}

export interface ImageListItem {
  id: number;
  stem: string;
  split: SplitName | null;
  width: number | null;
  height: number | null;
  /** Share of the filtered or sorted class, when one is given. */
  share: number | null;
  problem: IndexProblemKind | null;
}

export interface ImageDetail extends ImageListItem {
  datasetId: string;
  /** A GeoTIFF image's bands, data type, nodata and georeferencing; null for RGB images. */
  raster: RasterInfo | null;
  imagePath: string;
  /** The mask in effect: the current label correction's file, or the original. */
  maskPath: string;
  /** The imported mask, never written by SegBench. */
  originalMaskPath: string;
  /** The label correction in effect; null when the original is. */
  revisionId: number | null;
  problemMessage: string | null;
  /** Pixels per class position. */
  classPixels: number[];
  totalPixels: number;
}
