import type * as tfl from '@tensorflow/tfjs-layers';
import type { InputChannels } from '../../../src-shared/bands';
import type { ClassCounts } from '../../../src-shared/metrics';
import { addCounts } from '../../../src-shared/metrics';
import type { TrainItem } from '../../../src-shared/training';
import type { Normalization } from '../data/batch';
import { decodeSample } from '../data/decode';
import type { LabelMap } from '../data/decode';
import { shareOut } from './share-out';
import { predictImage, scoreImage } from './sliding-window';
import type { WindowPredictor } from './sliding-window';
import { isWholeImage } from './predicted-masks';
import type { WholeImagePredictor } from './predicted-masks';

import type { ValidationResult } from '../../../src-shared/job-kinds';

export interface ScoreOptions {
  size: number;
  overlap: number;
  normalization: Normalization;
  batchSize: number;
  classes: number;
  /** A multispectral run's input channels; absent or null for RGB. */
  inputChannels?: InputChannels | null;
}

/** One validation image's counts and loss sum, or why it was skipped. */
export type ScoredImage = { counts: ClassCounts[]; lossSum: number; pixels: number } | { skipped: string };

/** Scores validation images somewhere else (a compute worker holding this validation's weights). */
export interface ImageScorer {
  score(item: TrainItem): Promise<ScoredImage>;
}

/** Decodes one validation image and scores its sliding-window prediction: the unit of work of every thread. */
export async function scoreItem(
  model: tfl.LayersModel | WindowPredictor | WholeImagePredictor,
  item: TrainItem,
  labelMap: LabelMap,
  options: ScoreOptions,
): Promise<ScoredImage> {
  let sample;
  try {
    sample = await decodeSample(item.imagePath, item.maskPath, labelMap, options.inputChannels);
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
  let probs: Float32Array;
  try {
    probs = isWholeImage(model)
      ? await model.wholeImage(item.imagePath, sample.width, sample.height)
      : await predictImage(model, sample.image, sample.width, sample.height, options.size, options.overlap, options.normalization, options.batchSize);
  } catch (error) {
    if (!isWholeImage(model)) throw error;
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
  return scoreImage(probs, sample.labels, options.classes);
}

/**
 * Full validation images through sliding windows: counts for the split and for each image. With
 * `helpers` (compute workers that hold the same weights) the images are shared out from one queue
 * between this thread and the helpers; results are summed in image order afterwards, so the counts
 * and the loss equal a single-thread pass exactly. A helper that fails hands its image back to
 * this thread and takes no more.
 */
export async function validate(
  model: tfl.LayersModel | WindowPredictor | WholeImagePredictor,
  items: readonly TrainItem[],
  labelMap: LabelMap,
  options: ScoreOptions & { signal: AbortSignal },
  onImage: () => void = () => {},
  helpers: readonly ImageScorer[] = [],
): Promise<ValidationResult> {
  const { results: scored } = await shareOut(
    items.length,
    (index) => scoreItem(model, items[index]!, labelMap, options),
    helpers.map((helper) => (index: number) => helper.score(items[index]!)),
    options.signal,
    onImage,
  );

  const counts: ClassCounts[] = Array.from({ length: options.classes }, () => ({ tp: 0, fp: 0, fn: 0 }));
  const result: ValidationResult = { counts, imageCounts: [], loss: null, skipped: [] };
  let lossSum = 0;
  let pixels = 0;
  items.forEach((item, i) => {
    const image = scored[i];
    if (!image) return;
    if ('skipped' in image) {
      result.skipped.push({ imageId: item.imageId, message: image.skipped });
      return;
    }
    addCounts(counts, image.counts);
    result.imageCounts.push({ imageId: item.imageId, counts: image.counts });
    lossSum += image.lossSum;
    pixels += image.pixels;
  });
  result.loss = pixels > 0 ? lossSum / pixels : null;
  return result;
}
