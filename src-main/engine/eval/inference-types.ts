import type { TtaOptions } from '../../../src-shared/evaluations';
import type { ClassCounts } from '../../../src-shared/metrics';
import type { PredictedImageStats, PredictJobParams } from '../../../src-shared/training';

/**
 * What the inference jobs send to a compute worker and get back for one image: plain data, here
 * rather than in the jobs' modules so that the worker protocol and the pool import no job code.
 */

/** What every thread needs to evaluate one image, besides the members' models. */
export interface EvaluationSpec {
  labelMap: [number, number][];
  tta: TtaOptions | null;
  classNames: string[];
}

/** One image's counts for each variant (in `variantNames` order), or why it was skipped. */
export type EvaluatedImage = { counts: ClassCounts[][] } | { skipped: string };

/** What every thread needs to predict one image: the job's settings without its lists of images. */
export type PredictSettings = Omit<PredictJobParams, 'images' | 'names' | 'truth' | 'leftOut'> & {
  /** Stored split predictions (named by image id): PNG even for GeoTIFF inputs. */
  stored: boolean;
  /** The truth masks' label map when the job compares with ground truth. */
  truthLabelMap: [number, number][] | null;
};

/** One image of a predict job, by the job's index. */
export interface PredictInput {
  path: string;
  stem: string;
  truthPath: string | null;
}

/** What predicting one image gave: merged into the job's result in image order. */
export interface PredictedImage {
  written: boolean;
  /** The files written, by name in the output folder. */
  files: string[];
  skipped: { image: string; message: string }[];
  compared: PredictedImageStats | null;
  /** With `confidence`: this image's pixels per class and confidence level. */
  histogram: number[][] | null;
}
