import { join } from 'node:path';
import { ignoreLabel } from '../../../src-shared/class-weights';
import type { PredictedMasks } from '../../../src-shared/external-model';
import { decodeLabels } from '../data/decode';
import type { LabelMap } from '../data/decode';

/**
 * What turns a whole image into class probabilities without windows: a run of predicted masks
 * imported from elsewhere, where each image's probabilities are its mask, one-hot.
 */
export interface WholeImagePredictor {
  readonly classes: number;
  wholeImage(imagePath: string, width: number, height: number): Promise<Float32Array>;
}

export const isWholeImage = (model: object): model is WholeImagePredictor => 'wholeImage' in model;

/**
 * A folder of predicted masks as a WholeImagePredictor: the image's mask read in the dataset's own
 * encoding (`labelMap`), one-hot per pixel. A pixel whose value is no class (the ignore value, a
 * colour outside the classes) gets all zeros: scoreImage counts it as missed for its true class and
 * predicted as none. An image without a mask, or with a mask of another size, throws (the image is
 * skipped with that message).
 */
export function maskPredictor(masks: PredictedMasks, labelMap: LabelMap, classes: number): WholeImagePredictor {
  return {
    classes,
    wholeImage: async (imagePath, width, height) => {
      const file = masks.files[imagePath];
      if (file === undefined) throw new Error(`no predicted mask for this image in ${masks.source}`);
      const { labels, width: w, height: h } = await decodeLabels(join(masks.dir, file), labelMap);
      if (w !== width || h !== height) throw new Error(`the predicted mask ${file} is ${w}x${h}; the image is ${width}x${height}`);
      const probs = new Float32Array(labels.length * classes);
      for (let p = 0; p < labels.length; p += 1) {
        const label = labels[p]!;
        if (label !== ignoreLabel && label < classes) probs[p * classes + label] = 1;
      }
      return probs;
    },
  };
}
