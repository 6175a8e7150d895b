import type * as tfl from '@tensorflow/tfjs-layers';
import type { ClassCounts } from '../../../src-shared/metrics';
import { addCounts } from '../../../src-shared/metrics';
import type { TrainItem } from '../../../src-shared/training';
import type { Normalization } from '../data/batch';
import { decodeSample } from '../data/decode';
import type { LabelMap } from '../data/decode';
import { predictImage, scoreImage } from './sliding-window';

import type { ValidationResult } from '../../../src-shared/job-kinds';

/** Full validation images through sliding windows: counts for the split and for each image. */
export async function validate(
  model: tfl.LayersModel,
  items: readonly TrainItem[],
  labelMap: LabelMap,
  options: { size: number; overlap: number; normalization: Normalization; batchSize: number; classes: number; signal: AbortSignal },
  onImage: () => void = () => {},
): Promise<ValidationResult> {
  const counts: ClassCounts[] = Array.from({ length: options.classes }, () => ({ tp: 0, fp: 0, fn: 0 }));
  const result: ValidationResult = { counts, imageCounts: [], loss: null, skipped: [] };
  let lossSum = 0;
  let pixels = 0;
  for (const item of items) {
    if (options.signal.aborted) break;
    let sample;
    try {
      sample = await decodeSample(item.imagePath, item.maskPath, labelMap);
    } catch (error) {
      result.skipped.push({ imageId: item.imageId, message: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const probs = await predictImage(model, sample.image, sample.width, sample.height, options.size, options.overlap, options.normalization, options.batchSize);
    const scored = scoreImage(probs, sample.labels, options.classes);
    addCounts(counts, scored.counts);
    result.imageCounts.push({ imageId: item.imageId, counts: scored.counts });
    lossSum += scored.lossSum;
    pixels += scored.pixels;
    onImage();
  }
  result.loss = pixels > 0 ? lossSum / pixels : null;
  return result;
}
