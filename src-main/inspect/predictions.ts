import { ApiError } from '../../src-shared/errors';
import { countsFromConfusion, iou, meanOf } from '../../src-shared/metrics';
import { confidentlyWrong, highestWrongLevel } from '../../src-shared/predictions';
import type { ImageShare, PredictionSummary, PredictionVariant, ReviewQueue } from '../../src-shared/predictions';
import type { Statements } from '../db/statements';
import { storedClassNames } from '../runs/run-queries';
import { parseStored } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';

/** Per image: the confusion cells (classes x classes) and wrong pixels by confidence level. Kept simple: thousands are read at once. */
const cellsSchema = z.array(z.number());

/**
 * Queries over a run's stored split predictions: the summed confusion matrix and per-class IoU of
 * each variant (plain, flip TTA), the images behind one confusion cell, and the review queue of
 * images where the model confidently disagrees with the ground truth. All from stored rows.
 */
export function predictionSummary(statements: Statements, runId: string): PredictionSummary {
  const run = statements.runById.get(runId);
  if (!run) throw new ApiError('NOT_FOUND', `No run with id ${runId}.`);
  const classNames = storedClassNames(run);
  const classes = classNames.length;
  const variants = statements.predictionsOfRun.all(runId).map((p) => {
    const confusion = new Array<number>(classes * classes).fill(0);
    for (const image of statements.predictionImagesOf.all(runId, p.split, p.variant)) {
      const cells = parseStored(cellsSchema, image.confusion, `run ${runId}'s ${p.split} ${p.variant} confusion of image ${image.image_id}`);
      for (let i = 0; i < confusion.length; i += 1) confusion[i]! += cells[i] ?? 0;
    }
    const classIou = countsFromConfusion(confusion, classes).map((c) => iou(c));
    return {
      variant: p.variant as PredictionVariant,
      split: p.split,
      epoch: p.epoch,
      images: p.images,
      createdAt: p.created_at,
      confusion,
      classIou,
      miou: meanOf(classIou),
    };
  });
  return { runId, bestEpoch: run.best_epoch, classNames, variants };
}

function rows(statements: Statements, runId: string, variant: PredictionVariant) {
  const run = statements.runById.get(runId);
  if (!run) throw new ApiError('NOT_FOUND', `No run with id ${runId}.`);
  const found = statements.predictionImagesOf.all(runId, 'val', variant);
  if (found.length === 0) {
    throw new ApiError(
      'NOT_FOUND',
      `Run "${run.name}" has no stored ${variant === 'tta' ? 'flip-TTA ' : ''}prediction of its validation images; predict them on the Inspect page first.`,
    );
  }
  return { classes: storedClassNames(run).length, found };
}

/** The images that contribute most pixels to one confusion cell (truth row, predicted column). */
export function confusionImages(
  statements: Statements,
  request: { runId: string; variant: PredictionVariant; truth: number; predicted: number; limit: number },
): ImageShare[] {
  const { classes, found } = rows(statements, request.runId, request.variant);
  if (request.truth >= classes || request.predicted >= classes)
    throw new ApiError('VALIDATION', `truth and predicted must be below ${classes}, the run's class count.`);
  return found
    .map((row) => {
      const pixels =
        parseStored(cellsSchema, row.confusion, `run ${request.runId}'s ${request.variant} confusion of image ${row.image_id}`)[
          request.truth * classes + request.predicted
        ] ?? 0;
      return {
        imageId: row.image_id,
        stem: row.stem ?? `image ${row.image_id}`,
        pixels,
        share: row.labelled > 0 ? pixels / row.labelled : 0,
        corrected: row.revision_id !== null,
      };
    })
    .filter((image) => image.pixels > 0)
    .sort((a, b) => b.pixels - a.pixels || a.stem.localeCompare(b.stem))
    .slice(0, request.limit);
}

/**
 * Review queue: images by the share of their labelled pixels where the prediction is at least
 * `threshold` confident and differs from the ground truth: the likeliest label errors first.
 */
export function reviewQueue(statements: Statements, request: { runId: string; variant: PredictionVariant; threshold: number; limit: number }): ReviewQueue {
  const { found } = rows(statements, request.runId, request.variant);
  const bins = found.map((row) =>
    parseStored(cellsSchema, row.wrong_by_confidence, `run ${request.runId}'s ${request.variant} wrong pixels by confidence of image ${row.image_id}`),
  );
  const items = found
    .map((row, i) => {
      const pixels = confidentlyWrong(bins[i]!, request.threshold);
      return {
        imageId: row.image_id,
        stem: row.stem ?? `image ${row.image_id}`,
        pixels,
        share: row.labelled > 0 ? pixels / row.labelled : 0,
        corrected: row.revision_id !== null,
      };
    })
    .filter((image) => image.pixels > 0)
    .sort((a, b) => b.share - a.share || a.stem.localeCompare(b.stem))
    .slice(0, request.limit);
  return { items, highestThreshold: items.length > 0 ? request.threshold : highestWrongLevel(bins) };
}
