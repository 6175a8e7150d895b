import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../src-shared/errors';
import { scoreImageCounts, weightForCount } from '../../src-shared/hard-samples';
import type { HardSample, HardestResult } from '../../src-shared/hard-samples';
import { countsFromConfusion } from '../../src-shared/metrics';
import type { ClassCounts } from '../../src-shared/metrics';
import { parseStored } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import type { Db } from '../db/connection';
import type { Statements } from '../db/statements';
import { storedClassNames } from '../runs/run-queries';
import type { RunService } from '../runs/run-service';

/** A stored prediction's confusion cells (truth row, predicted column), as predictions.ts reads them. */
const cellsSchema = z.array(z.number());

interface HardestOptions {
  runId: string;
  epoch?: number | undefined;
  classIndex?: number | undefined;
  threshold: number;
  table: [number, number][];
}

/** Per image: its stem and the per-class counts stored for it at one epoch. */
function epochCounts(statements: Statements, runId: string, epoch: number, classes: number): Map<number, { stem: string; counts: ClassCounts[] }> {
  const byImage = new Map<number, { stem: string; counts: ClassCounts[] }>();
  for (const row of statements.imageCountsWithStems.all(runId, epoch)) {
    const entry = byImage.get(row.image_id) ?? {
      stem: row.stem ?? `image ${row.image_id}`,
      counts: Array.from({ length: classes }, () => ({ tp: 0, fp: 0, fn: 0 })),
    };
    entry.counts[row.class_index] = { tp: row.tp, fp: row.fp, fn: row.fn };
    byImage.set(row.image_id, entry);
  }
  return byImage;
}

/** Per image of a run's stored plain validation predictions: its stem and per-class counts from its confusion cells. */
function predictedCounts(statements: Statements, runId: string, classes: number): Map<number, { stem: string; counts: ClassCounts[] }> {
  const byImage = new Map<number, { stem: string; counts: ClassCounts[] }>();
  for (const row of statements.predictionImagesOf.all(runId, 'val', 'plain')) {
    const cells = parseStored(cellsSchema, row.confusion, `run ${runId}'s plain confusion of image ${row.image_id}`);
    byImage.set(row.image_id, { stem: row.stem ?? `image ${row.image_id}`, counts: countsFromConfusion(cells, classes) });
  }
  return byImage;
}

/**
 * Validation images of a run, worst first: by image mIoU, or by one class's IoU among the images
 * where that class is in the truth or the prediction. From the per-image counts stored each
 * epoch, so it needs no GPU and no retraining. An imported model has no epochs: its images are
 * ranked from its stored validation predictions (`epoch` null), made on the Inspect page.
 */
export function hardestImages(statements: Statements, options: HardestOptions): HardestResult {
  const run = statements.runById.get(options.runId);
  if (!run) throw new ApiError('NOT_FOUND', `No run with id ${options.runId}.`);
  const epoch = options.epoch ?? run.best_epoch;
  const imported = run.external !== null && (epoch === null || epoch === undefined);
  if (!imported && (epoch === null || epoch === undefined))
    throw new ApiError('VALIDATION', `Run "${run.name}" has no validated epoch yet; it needs one to rank its images.`);
  const classNames = storedClassNames(run);
  if (options.classIndex !== undefined && options.classIndex >= classNames.length) {
    throw new ApiError('VALIDATION', `classIndex must be below ${classNames.length} (the run's classes: ${classNames.join(', ')}).`);
  }
  const byImage = imported ? predictedCounts(statements, run.id, classNames.length) : epochCounts(statements, run.id, epoch!, classNames.length);
  if (byImage.size === 0) {
    throw new ApiError(
      'VALIDATION',
      imported
        ? `Run "${run.name}" is an imported model: it has no epochs, so its images are ranked from its stored validation predictions. Predict the validation images first (Inspect › Predict validation images).`
        : `Run "${run.name}" stored no per-image counts for epoch ${epoch}.`,
    );
  }
  const items: HardSample[] = [...byImage].map(([imageId, { stem, counts }]) => {
    const score = scoreImageCounts(counts, options.threshold);
    return { imageId, stem, ...score, weight: weightForCount(score.below, options.table) };
  });
  const key = (item: HardSample): number | null => (options.classIndex === undefined ? item.miou : (item.classIou[options.classIndex] ?? null));
  const ranked = items.filter((item) => key(item) !== null).sort((a, b) => key(a)! - key(b)! || a.stem.localeCompare(b.stem));
  const predictionsReady = !!run.run_dir && existsSync(join(run.run_dir, 'predictions', 'val'));
  return { runId: run.id, epoch: imported ? null : epoch!, classNames, items: ranked, predictionsReady };
}

/**
 * Weights for the next run's sampler. The sampler draws training images, so the run's best
 * checkpoint is first evaluated on the training split (in the engine); each training image's
 * classes below the threshold give its weight through the table.
 */
export async function saveHardSampleWeights(db: Db, statements: Statements, runs: RunService, options: HardestOptions): Promise<{ saved: number }> {
  const { imageCounts } = await runs.scoreCheckpointAndWait(options.runId, 'train');
  db.transaction(() => {
    statements.weightsClear.run(options.runId);
    for (const image of imageCounts) {
      const { below } = scoreImageCounts(image.counts, options.threshold);
      statements.weightPut.run(options.runId, image.imageId, weightForCount(below, options.table));
    }
  })();
  return { saved: imageCounts.length };
}
