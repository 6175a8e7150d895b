/**
 * Segmentation metrics from counts (after segmentation_models.pytorch's get_stats, then reduce):
 * the engine counts, these small functions turn counts into IoU, F1, precision, recall and
 * accuracy, so every view and every report agrees. A class absent from both ground truth and
 * prediction has no IoU (null) and is left out of the mean instead of counting as 0.
 */
import { z } from './zod';

/** True positives, false positives and false negatives of one class, in pixels. */
export const classCountsSchema = z.object({ tp: z.number(), fp: z.number(), fn: z.number() });
export type ClassCounts = z.output<typeof classCountsSchema>;

/** Confusion matrix [truth][prediction] (row-major, classes x classes) to per-class counts. */
export function countsFromConfusion(matrix: ArrayLike<number>, classes: number): ClassCounts[] {
  const counts: ClassCounts[] = Array.from({ length: classes }, () => ({ tp: 0, fp: 0, fn: 0 }));
  for (let t = 0; t < classes; t += 1) {
    for (let p = 0; p < classes; p += 1) {
      const n = matrix[t * classes + p] ?? 0;
      if (t === p) counts[t]!.tp += n;
      else {
        counts[t]!.fn += n;
        counts[p]!.fp += n;
      }
    }
  }
  return counts;
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export const iou = (c: ClassCounts): number | null => ratio(c.tp, c.tp + c.fp + c.fn);
export const f1 = (c: ClassCounts): number | null => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
export const precision = (c: ClassCounts): number | null => ratio(c.tp, c.tp + c.fp);
export const recall = (c: ClassCounts): number | null => ratio(c.tp, c.tp + c.fn);

/** Mean over the classes that have a value; `exclude` (the ignore class) never counts. */
export function meanOf(values: readonly (number | null)[], exclude: ReadonlySet<number> = new Set()): number | null {
  let sum = 0;
  let n = 0;
  values.forEach((value, i) => {
    if (value === null || exclude.has(i)) return;
    sum += value;
    n += 1;
  });
  return n > 0 ? sum / n : null;
}

/** Correct pixels over labelled pixels (ignore pixels are never counted, so they are not here). */
export function overallAccuracy(counts: readonly ClassCounts[], exclude: ReadonlySet<number> = new Set()): number | null {
  let correct = 0;
  let labelled = 0;
  counts.forEach((c, i) => {
    if (exclude.has(i)) return;
    correct += c.tp;
    labelled += c.tp + c.fn;
  });
  return ratio(correct, labelled);
}

interface MetricSummary {
  miou: number | null;
  meanF1: number | null;
  accuracy: number | null;
  perClass: { iou: number | null; f1: number | null; precision: number | null; recall: number | null }[];
}

export function summarize(counts: readonly ClassCounts[], exclude: ReadonlySet<number> = new Set()): MetricSummary {
  const perClass = counts.map((c) => ({ iou: iou(c), f1: f1(c), precision: precision(c), recall: recall(c) }));
  return {
    miou: meanOf(
      perClass.map((p) => p.iou),
      exclude,
    ),
    meanF1: meanOf(
      perClass.map((p) => p.f1),
      exclude,
    ),
    accuracy: overallAccuracy(counts, exclude),
    perClass,
  };
}

export function addCounts(into: ClassCounts[], from: readonly ClassCounts[]): void {
  from.forEach((c, i) => {
    const target = into[i];
    if (!target) return;
    target.tp += c.tp;
    target.fp += c.fp;
    target.fn += c.fn;
  });
}
