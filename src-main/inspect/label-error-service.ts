import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseClasses } from '../datasets/dataset-queries';
import { trainingClasses } from '../../src-shared/classes';
import { ApiError } from '../../src-shared/errors';
import {
  checkStrengthSchema,
  connectedRegions,
  assignFolds,
  cropWindows,
  foldPlan,
  labelErrorJobParamsSchema,
  labelErrorPlanSchema,
  minimumImages,
  quickCheckConfig,
} from '../../src-shared/label-errors';
import type {
  LabelCheckStatus,
  LabelCheckSummary,
  LabelErrorItem,
  LabelErrorJobParams,
  LabelErrorPlan,
  LabelErrorQueue,
  LabelErrorReviewChange,
  labelErrorAcceptSchema,
  labelErrorQueueSchema,
  LabelErrorStart,
} from '../../src-shared/label-errors';
import { inputSizeProblem } from '../../src-shared/run-config';
import type { RunConfig } from '../../src-shared/run-config';
import type { ImageRevisions } from '../../src-shared/revisions';
import type { Db } from '../db/connection';
import type { LabelCheckImageRow, LabelCheckRow } from '../db/inspect-statements';
import type { Statements } from '../db/statements';
import type { RevisionService } from '../datasets/revision-service';
import type { JobService, TypedJob } from '../jobs/job-service';
import type { RunService } from '../runs/run-service';
import { parseStored, parseStoredOrNull } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import { hasCheckpoint } from '../runs/run-queries';
import { checkItem, readLabels, reviewOf } from './label-check-items';

/** A check's class names; per class, its threshold. */
const classNamesSchema = z.array(z.string());
const thresholdsSchema = z.array(z.number().nullable());
/** Only the plan of the stored job parameters (their items are not needed to list a check). */
const storedPlanSchema = z.object({ plan: labelErrorPlanSchema.optional() });
const checkClassNames = (row: LabelCheckRow): string[] => parseStored(classNamesSchema, row.class_names, `label check ${row.id}'s class names`);

interface LabelErrorServiceOptions {
  db: Db;
  statements: Statements;
  jobs: JobService;
  runs: RunService;
  revisions: RevisionService;
  dataDir: string;
  onChanged: (datasetId: string) => void;
}

/**
 * "Find label errors": K fold models give every labelled image a prediction from a model that
 * never trained on it (the `label-errors` job), and the images are ranked across the dataset by
 * softmin, below-threshold share or confident disagreement. The queue opens each image with its
 * suspect regions; accepting the prediction there makes a revision (RevisionService), keeping the
 * label marks it reviewed. A mask changed since the check is stale, not ranked on old scores.
 */
export class LabelErrorService {
  constructor(private readonly options: LabelErrorServiceOptions) {
    options.jobs.handleKind('label-errors', { onEnd: (job) => this.settle(job) });
  }

  /** What a check with these settings would train and score (the start panel's plan), without starting it. */
  plan(request: LabelErrorStart): LabelErrorPlan {
    return this.prepare(request).plan;
  }

  start(request: LabelErrorStart): LabelCheckSummary {
    const { statements, db, jobs } = this.options;
    const { dataset, config, items, reuse, plan, classNames, labelMap, positions, current } = this.prepare(request);
    const live = jobs.activeJobs('label-errors', (p) => p.datasetId === dataset.id)[0];
    if (live)
      throw new ApiError(
        'CONFLICT',
        `Label errors of "${dataset.name}" are being looked for right now (job ${live.id.slice(0, 8)}); wait for it or stop it first.`,
      );
    const pixels = new Map<number, number>();
    for (const split of ['train', 'val', 'test'])
      for (const r of statements.splitClassPixels.all(dataset.id, split)) pixels.set(r.class_index, (pixels.get(r.class_index) ?? 0) + r.pixels);

    const id = db.transaction(() => {
      const checkId = Number(
        statements.labelCheckInsert.run({
          dataset_id: dataset.id,
          job_id: '',
          folds: reuse ? 0 : request.folds,
          reuse_run_id: request.reuseRun ?? null,
          out_dir: '',
          class_names: JSON.stringify(classNames),
          params: '{}',
          created_at: new Date().toISOString(),
        }).lastInsertRowid,
      );
      for (const item of items) statements.labelCheckImageInsert.run(checkId, item.imageId, item.fold, current.get(item.imageId)?.revision_id ?? null);
      return checkId;
    })();
    const params: LabelErrorJobParams = {
      checkId: id,
      datasetId: dataset.id,
      outDir: join(this.options.dataDir, 'label-checks', String(id)),
      config,
      classNames,
      labelMap,
      classPixels: positions.map((position) => pixels.get(position) ?? 0),
      items,
      folds: reuse ? 0 : request.folds,
      ...(reuse && { reuse }),
      plan,
    };
    this.enqueue(id, params);
    return this.summary(this.row(id));
  }

  /**
   * The check's models and images: the quick preset sized by pixels (each training pixel seen
   * about `epochs` times: foldPlan), or a run's config as it trained, or a run's checkpoint over its
   * validation images; refused with the reason when the dataset or the run cannot serve.
   */
  private prepare(request: LabelErrorStart) {
    const { statements } = this.options;
    const dataset = statements.datasetById.get(request.datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${request.datasetId}.`);
    if (dataset.state === 'indexing')
      throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is still being indexed; look for label errors once it is ready.`);
    const { positions, classNames, labelMap } = trainingClasses(parseClasses(dataset.classes));
    if (positions.length < 2)
      throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has ${positions.length} class(es) to learn; finding label errors needs at least 2.`);
    const current = new Map(statements.effectiveMasksOfDataset.all(dataset.id).map((row) => [row.id, row]));
    let config: RunConfig;
    let items: LabelErrorJobParams['items'];
    let reuse: LabelErrorJobParams['reuse'];
    let run: string | null = null;
    if (request.reuseRun) {
      const { row, train, external, predictedMasks } = this.options.runs.trainParams(request.reuseRun);
      if (predictedMasks)
        throw new ApiError(
          'VALIDATION',
          `Run "${row.name}" is a folder of predicted masks; label checks score with a model's probabilities, which masks do not have. Use an imported model or a SegBench run.`,
        );
      run = row.name;
      if (row.dataset_id !== dataset.id)
        throw new ApiError('VALIDATION', `Run "${row.name}" was trained on another dataset; it cannot score "${dataset.name}".`);
      if (!hasCheckpoint(train.runDir, 'best', external))
        throw new ApiError('CONFLICT', `Run "${row.name}" has no best checkpoint yet; it stores one after its first validated epoch.`);
      if (train.classNames.join('\n') !== classNames.join('\n')) {
        throw new ApiError(
          'CONFLICT',
          `Run "${row.name}" learned ${train.classNames.join(', ')}; the dataset's classes are now ${classNames.join(', ')}. Train a new run, or train fold models instead.`,
        );
      }
      config = train.config;
      items = train.val.flatMap((item) => {
        const now = current.get(item.imageId);
        return now ? [{ imageId: now.id, imagePath: now.image_path, maskPath: now.mask_path, fold: 0 }] : [];
      });
      if (items.length === 0) throw new ApiError('VALIDATION', `Run "${row.name}" has no validation image left in the dataset to score.`);
      reuse = { runDir: train.runDir, checkpoint: 'best', external };
    } else {
      const rows = [...current.values()];
      const needed = minimumImages(request.folds);
      if (rows.length < needed) {
        throw new ApiError(
          'VALIDATION',
          `Dataset "${dataset.name}" has ${rows.length} indexed image(s); ${request.folds} folds need at least ${needed} (each fold model trains on the other folds and scores its own). Use 3 folds or add images.`,
        );
      }
      if (request.configFromRun) {
        const from = this.options.runs.trainParams(request.configFromRun);
        if (from.external || from.predictedMasks)
          throw new ApiError(
            'VALIDATION',
            `Run "${from.row.name}" was imported; fold models take their recipe from a run SegBench trained. Choose one, or use the quick recipe.`,
          );
        run = from.row.name;
        config = { ...from.train.config, datasetId: dataset.id };
      } else config = quickCheckConfig(dataset.id);
      const folds = assignFolds(
        rows.map((r) => r.id),
        request.folds,
        request.seed,
      );
      items = rows.map((row, i) => ({ imageId: row.id, imagePath: row.image_path, maskPath: row.mask_path, fold: folds[i]! }));
    }
    config = {
      ...config,
      ...(request.epochs && { epochs: request.epochs }),
      ...(request.inputSize && { inputSize: request.inputSize }),
      distill: null,
      earlyStoppingPatience: null,
    };
    const sizeProblem = inputSizeProblem(config.model, config.inputSize, config.modelOptions);
    if (sizeProblem) throw new ApiError('VALIDATION', sizeProblem);
    const folds = reuse ? 0 : request.folds;
    const plan = foldPlan({
      folds,
      images: items.length,
      windows: cropWindows(statements.labelCheckImageSizes.all(dataset.id), config.inputSize),
      config,
      sizedBy: reuse || request.configFromRun ? 'config' : 'pixels',
      run,
    });
    // The quick preset's epochs are passes over the training pixels: one epoch is the plan's steps.
    if (plan.sizedBy === 'pixels' && folds > 0) config = { ...config, stepsPerEpoch: plan.stepsPerEpoch };
    return { dataset, config, items, reuse, plan, classNames, labelMap, positions, current };
  }

  /** Continues a stopped or failed check: the same folds and config; finished folds are kept. */
  resume(checkId: number): LabelCheckSummary {
    const row = this.row(checkId);
    if (row.job_status === 'queued' || row.job_status === 'running')
      throw new ApiError('CONFLICT', `Label check #${checkId} is ${row.job_status}; it cannot run twice.`);
    if (row.thresholds !== null) throw new ApiError('CONFLICT', `Label check #${checkId} has finished; start a new one to score the masks as they are now.`);
    this.enqueue(checkId, parseStored(labelErrorJobParamsSchema, row.params, `label check ${checkId}'s job parameters`));
    return this.summary(this.row(checkId));
  }

  list(datasetId: string): LabelCheckSummary[] {
    return this.options.statements.labelChecksOfDataset.all(datasetId).map((row) => this.summary(row));
  }

  queue(request: z.output<typeof labelErrorQueueSchema>): LabelErrorQueue {
    const row = this.finished(request.checkId);
    const classes = checkClassNames(row).length;
    const pair = request.given !== undefined && request.predicted !== undefined ? request.given * classes + request.predicted : null;
    if ((request.given === undefined) !== (request.predicted === undefined)) throw new ApiError('VALIDATION', 'A class pair needs both given and predicted.');
    if (request.given !== undefined && (request.given >= classes || request.predicted! >= classes))
      throw new ApiError('VALIDATION', `given and predicted must be below ${classes}, the check's class count.`);
    const all = this.options.statements.labelCheckImages.all(row.id).filter((image) => image.labelled !== null);
    const items = all
      .map((image) => checkItem(row, image, pair, classes))
      .filter((item) => (request.includeReviewed || item.review === null) && (pair === null || (item.pairPixels ?? 0) > 0));
    const key = (item: LabelErrorItem): number =>
      request.score === 'softmin' ? (item.softmin ?? Infinity) : -(request.score === 'below-threshold' ? item.belowShare : item.disagreement);
    items.sort((a, b) => Number(a.stale) - Number(b.stale) || key(a) - key(b) || a.stem.localeCompare(b.stem));
    return { check: this.summary(row), score: request.score, items: items.slice(0, request.limit), total: items.length };
  }

  /** Accepts the out-of-fold prediction in one suspect region (or all of them) as a revision, and marks the image corrected. */
  async accept(request: z.output<typeof labelErrorAcceptSchema>): Promise<ImageRevisions> {
    const row = this.finished(request.checkId);
    const image = this.checkImage(row, request.imageId);
    if (image.current_revision_id !== image.revision_id && reviewOf(image) === null) {
      throw new ApiError(
        'CONFLICT',
        `The mask of ${image.stem} changed since label check #${row.id} scored it, so its suspect regions are stale. Start a new check to score it again.`,
      );
    }
    const [predicted, flag] = await Promise.all([
      readLabels(join(row.out_dir, `${image.image_id}_pred.png`)),
      readLabels(join(row.out_dir, `${image.image_id}_flag.png`)),
    ]);
    const marked = flag.data.map((v) => (v > 0 ? 1 : 0));
    let inside = marked;
    if (request.region !== undefined) {
      const { labels, regions } = connectedRegions(marked, flag.width, flag.height);
      if (request.region > regions.length)
        throw new ApiError('VALIDATION', `${image.stem} has ${regions.length} suspect region(s); region must be 1 to ${regions.length}.`);
      inside = Uint8Array.from(labels, (label) => (label === request.region ? 1 : 0));
    }
    if (!inside.some((v) => v === 1)) throw new ApiError('VALIDATION', `${image.stem} has no suspect region to accept; keep its label instead.`);
    const fold = row.folds > 0 ? `, fold ${image.fold + 1} model` : '';
    const revisions = await this.options.revisions.acceptLabels(image.image_id, {
      name: `label check #${row.id}${fold}`,
      checkId: row.id,
      labels: predicted.data,
      width: predicted.width,
      height: predicted.height,
      classNames: checkClassNames(row),
      inside,
    });
    this.options.statements.labelCheckImageReview.run('corrected', new Date().toISOString(), row.id, image.image_id);
    this.options.onChanged(row.dataset_id);
    return revisions;
  }

  /** The label is right: the image leaves the queue as reviewed. */
  keep(checkId: number, imageId: number): LabelCheckSummary {
    const row = this.finished(checkId);
    const image = this.checkImage(row, imageId);
    this.options.statements.labelCheckImageReview.run('kept', new Date().toISOString(), row.id, image.image_id);
    this.options.onChanged(row.dataset_id);
    return this.summary(this.row(checkId));
  }

  /**
   * Undoes the image's review from the queue (the dialog's Ctrl+Z): "the label is right" is
   * withdrawn; a correction of this check in effect is undone as a recorded move (its revision is
   * kept, to redo), and once the mask the check scored is back the image is back in the queue.
   */
  async undo(checkId: number, imageId: number): Promise<LabelErrorReviewChange> {
    const row = this.finished(checkId);
    const image = this.checkImage(row, imageId);
    const { revisions, statements } = this.options;
    let state = revisions.list(image.image_id);
    const current = state.items.find((r) => r.id === state.current);
    if (image.review === 'kept') {
      statements.labelCheckImageReview.run(null, null, row.id, image.image_id);
    } else if (current?.checkId === row.id) {
      state = await revisions.undo(image.image_id, `label check #${row.id}'s queue`);
      if (state.current === image.revision_id) statements.labelCheckImageReview.run(null, null, row.id, image.image_id);
    } else if (image.review === 'corrected' && image.current_revision_id === image.revision_id) {
      // Reverted elsewhere already: only the review is left to withdraw.
      statements.labelCheckImageReview.run(null, null, row.id, image.image_id);
    } else if (image.review === 'corrected') {
      throw new ApiError(
        'CONFLICT',
        `The mask of ${image.stem} changed since label check #${row.id} corrected it (now: ${current?.summary ?? 'the original'}); undo that in its revision history (Inspect, or Revert in the dataset viewer).`,
      );
    } else {
      throw new ApiError('CONFLICT', `${image.stem} has no review of label check #${row.id}; there is nothing to undo.`);
    }
    this.options.onChanged(row.dataset_id);
    return { revisions: state, item: this.itemOf(row, image.image_id) };
  }

  /** Redoes an undone correction: the revision this check made is put back in effect (no new file), and the image counts as corrected. */
  async redo(checkId: number, imageId: number): Promise<LabelErrorReviewChange> {
    const row = this.finished(checkId);
    const image = this.checkImage(row, imageId);
    const { revisions, statements } = this.options;
    const before = revisions.list(image.image_id);
    const target = before.items.find((r) => r.id === before.redoTo);
    if (target?.checkId !== row.id) {
      throw new ApiError(
        'CONFLICT',
        `${image.stem} has nothing of label check #${row.id} to redo${target ? ` (its next revision, ${target.summary}, was made elsewhere)` : ''}.`,
      );
    }
    const state = await revisions.redo(image.image_id, `label check #${row.id}'s queue`);
    statements.labelCheckImageReview.run('corrected', new Date().toISOString(), row.id, image.image_id);
    this.options.onChanged(row.dataset_id);
    return { revisions: state, item: this.itemOf(row, image.image_id) };
  }

  private itemOf(row: LabelCheckRow, imageId: number): LabelErrorItem {
    return checkItem(row, this.checkImage(row, imageId), null, checkClassNames(row).length);
  }

  private enqueue(checkId: number, params: LabelErrorJobParams): TypedJob<'label-errors'> {
    const job = this.options.jobs.enqueue('label-errors', params);
    this.options.statements.labelCheckSetJob.run(job.id, params.outDir, JSON.stringify(params), checkId);
    this.options.onChanged(params.datasetId);
    return job;
  }

  private settle(job: TypedJob<'label-errors'>): void {
    const { statements, db } = this.options;
    const checkId = job.params.checkId;
    if (job.status === 'finished' && job.result) {
      const result = job.result;
      db.transaction(() => {
        for (const image of result.images) {
          statements.labelCheckImageScore.run({
            check_id: checkId,
            image_id: image.imageId,
            labelled: image.labelled,
            softmin: image.softmin,
            below: image.below,
            disagreement: image.disagreement,
            flagged: image.flagged,
            pairs: JSON.stringify(image.pairs),
          });
        }
        statements.labelCheckSetThresholds.run(JSON.stringify(result.thresholds), JSON.stringify(result.strength), checkId);
      })();
    }
    this.options.onChanged(job.params.datasetId);
  }

  private row(checkId: number): LabelCheckRow {
    const row = this.options.statements.labelCheckById.get(checkId);
    if (!row) throw new ApiError('NOT_FOUND', `No label check with id ${checkId}.`);
    return row;
  }

  private finished(checkId: number): LabelCheckRow {
    const row = this.row(checkId);
    if (row.thresholds === null) {
      const state =
        row.job_status === 'queued' || row.job_status === 'running'
          ? `still ${row.job_status}`
          : `${row.job_status ?? 'not run'}${row.job_reason ? ` (${row.job_reason})` : ''}; resume it`;
      throw new ApiError('CONFLICT', `Label check #${checkId} is ${state}; its queue exists once every fold is scored.`);
    }
    return row;
  }

  private checkImage(row: LabelCheckRow, imageId: number): LabelCheckImageRow {
    const image = this.options.statements.labelCheckImages.all(row.id).find((i) => i.image_id === imageId);
    if (!image || image.labelled === null) throw new ApiError('NOT_FOUND', `Label check #${row.id} did not score image ${imageId}.`);
    return image;
  }

  private summary(row: LabelCheckRow): LabelCheckSummary {
    const images = this.options.statements.labelCheckImages.all(row.id);
    const foldsDone = Array.from({ length: row.folds || 1 }, (_, k) => k).filter(
      (k) => row.out_dir !== '' && existsSync(join(row.out_dir, `fold-${k}`, 'scores.json')),
    );
    return {
      id: row.id,
      datasetId: row.dataset_id,
      jobId: row.job_id,
      status: (row.job_status ?? 'failed') as LabelCheckStatus,
      folds: row.folds,
      reuseRun: row.reuse_run_id,
      classNames: checkClassNames(row),
      thresholds: parseStoredOrNull(thresholdsSchema, row.thresholds || null, `label check ${row.id}'s thresholds`),
      foldsDone,
      plan: parseStored(storedPlanSchema, row.params, `label check ${row.id}'s plan`).plan ?? null,
      strength: parseStoredOrNull(checkStrengthSchema, row.strength, `label check ${row.id}'s strength gate`),
      images: images.length,
      reviewed: images.filter((i) => reviewOf(i) !== null).length,
      corrected: images.filter((i) => reviewOf(i) === 'corrected').length,
      stale: images.filter((i) => reviewOf(i) === null && i.current_revision_id !== i.revision_id).length,
      createdAt: row.created_at,
      reason: row.job_reason,
    };
  }
}
