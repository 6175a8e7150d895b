import { classColorsFor } from '../../src-shared/class-colors';
import { iou } from '../../src-shared/metrics';
import type { ClassCounts } from '../../src-shared/metrics';
import { runConfigSchema } from '../../src-shared/run-config';
import type { RunConfig, RunStatus } from '../../src-shared/run-config';
import type { EpochSummary, RunDetail, RunSummary } from '../../src-shared/runs';
import { parseStored } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import type { EpochRow, RunRow } from '../db/run-statements';
import type { Statements } from '../db/statements';
import { parseClasses } from '../datasets/dataset-queries';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { externalModelSchema, predictedMasksSchema } from '../../src-shared/external-model';
import type { ExternalModel, PredictedMasks } from '../../src-shared/external-model';
import { labelMapSchema } from '../../src-shared/training';

const stringListSchema = z.array(z.string());

/** What an imported model's run keeps in its `external` column. */
const importedRunSchema = z.object({ model: externalModelSchema.optional(), masks: predictedMasksSchema.optional(), labelMap: labelMapSchema });
export type ImportedRun = z.output<typeof importedRunSchema>;

/** An imported model's record, parsed; null for a run SegBench trained. */
export function storedImported(row: Pick<RunRow, 'id' | 'external'>): ImportedRun | null {
  return row.external ? parseStored(importedRunSchema, row.external, `run ${row.id}'s imported model`) : null;
}

/** Whether a run has the checkpoint a job would load: an imported model's is its ONNX file, imported masks their folder. */
export function hasCheckpoint(runDir: string, which: 'best' | 'last', external: ExternalModel | null, predictedMasks: PredictedMasks | null = null): boolean {
  if (predictedMasks) return existsSync(predictedMasks.dir);
  return external ? existsSync(external.file) : existsSync(join(runDir, which, 'checkpoint.json'));
}

/** A run's stored configuration (as resolved at launch), parsed. */
export function storedRunConfig(row: Pick<RunRow, 'id' | 'config'>): RunConfig {
  return parseStored(runConfigSchema, row.config, `run ${row.id}'s config`);
}

/** A run's stored training class names, parsed. */
export function storedClassNames(row: Pick<RunRow, 'id' | 'class_names'>): string[] {
  return parseStored(stringListSchema, row.class_names, `run ${row.id}'s class names`);
}

export function runSummary(row: RunRow, statements: Statements, config: RunConfig = storedRunConfig(row)): RunSummary {
  const classNames = storedClassNames(row);
  const bestClassIou: Record<string, number | null> = {};
  if (row.best_epoch !== null) {
    for (const c of statements.classCountsOfEpoch.all(row.id, row.best_epoch)) {
      const name = classNames[c.class_index];
      if (name !== undefined) bestClassIou[name] = iou(c);
    }
  }
  return {
    id: row.id,
    name: row.name,
    datasetId: row.dataset_id,
    model: row.model,
    status: row.status as RunStatus,
    reason: row.reason,
    epochsDone: row.epochs_done,
    epochs: config.epochs,
    bestEpoch: row.best_epoch,
    bestMiou: row.best_miou,
    bestSubset: bestSubsetOf(row, statements),
    backend: row.backend,
    device: row.device,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    jobId: row.job_id,
    tags: storedTags(row),
    notes: row.notes,
    archived: row.archived === 1,
    bestClassIou,
    correctedMasks: row.corrected_masks,
    external: storedImported(row)?.model ?? null,
    predictedMasks: storedImported(row)?.masks ?? null,
  };
}

function validatedOf(e: Pick<EpochRow, 'validated_images' | 'validation_total'>): EpochSummary['validated'] {
  return e.validated_images !== null && e.validation_total !== null ? { images: e.validated_images, of: e.validation_total } : null;
}

/** The best epoch's validation images, when a subset. */
function bestSubsetOf(row: RunRow, statements: Statements): RunSummary['bestSubset'] {
  if (row.best_epoch === null) return null;
  const epoch = statements.epochOfRun.get(row.id, row.best_epoch);
  const validated = epoch ? validatedOf(epoch) : null;
  return validated && validated.images < validated.of ? validated : null;
}

/** A run's stored tags, parsed. */
export function storedTags(row: Pick<RunRow, 'id' | 'tags'>): string[] {
  return parseStored(stringListSchema, row.tags, `run ${row.id}'s tags`);
}

export function runDetail(statements: Statements, row: RunRow, resources: RunDetail['resources'] = null): RunDetail {
  const config = storedRunConfig(row);
  const classNames = storedClassNames(row);
  const countsByEpoch = new Map<number, ClassCounts[]>();
  for (const c of statements.classCountsOfRun.all(row.id)) {
    const list = countsByEpoch.get(c.epoch) ?? classNames.map(() => ({ tp: 0, fp: 0, fn: 0 }));
    list[c.class_index] = { tp: c.tp, fp: c.fp, fn: c.fn };
    countsByEpoch.set(c.epoch, list);
  }
  const epochHistory: EpochSummary[] = statements.epochsOfRun.all(row.id).map((e) => ({
    epoch: e.epoch,
    trainLoss: e.train_loss,
    valLoss: e.val_loss,
    lr: e.lr,
    seconds: e.seconds,
    imagesPerSecond: e.images_per_second,
    dataWait: e.data_wait,
    miou: e.miou,
    accuracy: e.accuracy,
    isBest: e.is_best === 1,
    counts: countsByEpoch.get(e.epoch) ?? [],
    validated: validatedOf(e),
  }));
  const dataset = row.dataset_id ? statements.datasetById.get(row.dataset_id) : undefined;
  return {
    ...runSummary(row, statements, config),
    config,
    classNames,
    classColors: classColorsFor(classNames, dataset ? parseClasses(dataset.classes) : []),
    epochHistory,
    events: statements.eventsOfRun.all(row.id),
    resources: row.status === 'running' ? resources : null,
  };
}
