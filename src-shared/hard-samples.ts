import type { ClassCounts } from './metrics';
import { iou, meanOf } from './metrics';
import { z } from './zod';

/**
 * Hard-sample weights: an image whose classes fall below an IoU threshold counts more in the next
 * run's weighted sampler. The count of such classes maps to a weight by a table of [minimum count,
 * weight] rows; the default is 0 -> 1, 1-2 -> 2, 3-4 -> 4, 5 or more -> 6.
 */
export const defaultWeightTable: [number, number][] = [
  [0, 1],
  [1, 2],
  [3, 4],
  [5, 6],
];

export const weightTableSchema = z
  .array(z.tuple([z.number().int().min(0).max(255), z.number().min(0).max(1000)]))
  .min(1)
  .max(20)
  .refine((rows) => rows[0]![0] === 0, { message: 'the first row must start at 0 classes' })
  .refine((rows) => rows.every((row, i) => i === 0 || row[0] > rows[i - 1]![0]), { message: 'class counts must increase row by row' });

export function weightForCount(count: number, table: readonly [number, number][] = defaultWeightTable): number {
  let weight = table[0]?.[1] ?? 1;
  for (const [minimum, w] of table) if (count >= minimum) weight = w;
  return weight;
}

interface ImageScore {
  /** Mean IoU over the classes present in this image's truth or prediction. */
  miou: number | null;
  /** IoU per class (null when the class is in neither truth nor prediction of this image). */
  classIou: (number | null)[];
  /** Classes present whose IoU is below the threshold. */
  below: number;
}

export function scoreImageCounts(counts: readonly ClassCounts[], threshold: number): ImageScore {
  const classIou = counts.map((c) => iou(c));
  return {
    miou: meanOf(classIou),
    classIou,
    below: classIou.filter((v) => v !== null && v < threshold).length,
  };
}

export const hardestRequestSchema = z.strictObject({
  runId: z.string().min(1),
  /** Default: the run's best epoch. */
  epoch: z.number().int().min(1).optional(),
  /** Rank by this class's IoU (images where the class is in truth or prediction) instead of image mIoU. */
  classIndex: z.number().int().min(0).max(254).optional(),
  threshold: z.number().min(0).max(1).default(0.5),
  table: weightTableSchema.default(defaultWeightTable),
});

export interface HardSample {
  imageId: number;
  stem: string;
  miou: number | null;
  classIou: (number | null)[];
  below: number;
  weight: number;
}

export interface HardestResult {
  runId: string;
  /** The epoch whose stored counts rank the images; null for an imported model, ranked from its stored validation predictions. */
  epoch: number | null;
  classNames: string[];
  items: HardSample[];
  /** The validation images' predictions are stored (for the viewer and error maps). */
  predictionsReady: boolean;
}
