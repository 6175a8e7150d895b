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

export interface SampleJobParams {
  outDir: string;
  count: number;
  size: number;
  seed: number;
}
