import { randomUUID } from 'node:crypto';
import { channelCount, channelsProblem, parseBandLayout } from '../../src-shared/bands';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trainingClasses } from '../../src-shared/classes';
import { ApiError } from '../../src-shared/errors';
import type { JobResult } from '../../src-shared/job-kinds';
import type { RecipePreview } from '../../src-shared/recipes';
import { inputSizeProblem, modelOptionsProblem } from '../../src-shared/run-config';
import type { RunConfig, RunStatus } from '../../src-shared/run-config';
import type { RunSummary } from '../../src-shared/runs';
import type { CheckpointScoreJobParams, EstimateResult, TrainItem, TrainJobParams } from '../../src-shared/training';
import type { Db } from '../db/connection';
import type { RunRow } from '../db/run-statements';
import type { DatasetRow } from '../db/dataset-statements';
import type { Statements } from '../db/statements';
import { parseClasses } from '../datasets/dataset-queries';
import { resultOf } from '../jobs/job-service';
import type { JobService, TypedJob } from '../jobs/job-service';
import { resolveDistill, resolveRecipes, trainClassPixels } from './recipe-resolution';
import { recipePreview } from './recipe-preview';
import { runSummary, storedClassNames, storedImported, storedRunConfig } from './run-queries';
import type { ExternalModel, PredictedMasks } from '../../src-shared/external-model';
import { resolveEncoderWeights } from '../weights/resolve';
import { WeightsCache } from '../weights/weights-cache';

/** Test hooks that never reach the API (a test injects a non-finite loss with them). */
export interface RunStartHooks {
  nonFiniteAtSteps?: number[];
}

/**
 * Launching runs and the jobs over a run's checkpoints: a launch is checked against its dataset
 * and resolved (classes, label map, recipes, teacher) before its row is written and its job queued.
 */
export class RunLauncher {
  constructor(
    private readonly options: {
      db: Db;
      statements: Statements;
      jobs: JobService;
      dataDir: string;
      announce: (runId: string) => void;
    },
  ) {}

  private row(runId: string): RunRow {
    const row = this.options.statements.runById.get(runId);
    if (!row) throw new ApiError('NOT_FOUND', `No run with id ${runId}.`);
    return row;
  }

  async start(input: RunConfig, hooks: RunStartHooks = {}): Promise<RunSummary> {
    const { statements } = this.options;
    const prepared = this.prepare(input);
    await this.resolveEncoderWeights(prepared.config);
    const id = randomUUID();
    const runDir = join(this.options.dataDir, 'runs', id);
    const count = statements.runsCount.get()?.n ?? 0;
    statements.runInsert.run({
      id,
      name: prepared.config.name ?? `${prepared.config.model} on ${prepared.datasetName} #${count + 1}`,
      dataset_id: prepared.config.datasetId,
      model: prepared.config.model,
      config: JSON.stringify(prepared.config),
      created_at: new Date().toISOString(),
      run_dir: runDir,
      class_names: JSON.stringify(prepared.classNames),
      corrected_masks: prepared.correctedMasks,
    });
    const params: TrainJobParams = {
      runId: id,
      runDir,
      config: prepared.config,
      classNames: prepared.classNames,
      labelMap: prepared.labelMap,
      classPixels: prepared.classPixels,
      train: prepared.train,
      val: prepared.val,
      resume: false,
      ...(hooks.nonFiniteAtSteps && { nonFiniteAtSteps: hooks.nonFiniteAtSteps }),
    };
    this.enqueue(id, params);
    return runSummary(this.row(id), this.options.statements);
  }

  /** A dry run of a launch in the engine: memory, seconds per step and per epoch, validation time. */
  async estimate(input: RunConfig): Promise<EstimateResult> {
    const prepared = this.prepare(input);
    await this.resolveEncoderWeights(prepared.config);
    const valSizes = this.options.statements.valImageSizes.all(prepared.config.datasetId).map((r) => [r.width, r.height] as [number, number]);
    const job = this.options.jobs.enqueue('estimate', {
      runId: 'estimate',
      runDir: '',
      config: prepared.config,
      classNames: prepared.classNames,
      labelMap: prepared.labelMap,
      classPixels: prepared.classPixels,
      train: prepared.train,
      val: [],
      resume: false,
      valSizes,
    });
    const done = await this.options.jobs.whenDoneOf('estimate', job.id);
    if (done.status !== 'finished') throw new ApiError('ENGINE', `The estimate did not finish: ${done.reason ?? done.status}`);
    return resultOf(done);
  }

  /** What a launch's recipes do before it runs (see recipe-preview.ts). */
  recipePreview(input: RunConfig): Promise<RecipePreview> {
    return recipePreview(this.options.statements, this.prepare(input).config);
  }

  /**
   * Checks a launch against its dataset and resolves what the engine needs; refuses with what to
   * do. `input` was parsed at the API boundary with runConfigSchema (the one parse of a config);
   * this resolves what depends on the database, on a copy.
   */
  private prepare(input: RunConfig) {
    const { statements } = this.options;
    const config: RunConfig = structuredClone(input);
    if (config.sampler.weightsFromRun) {
      const saved = statements.weightsOfRun.all(config.sampler.weightsFromRun);
      if (saved.length === 0) {
        throw new ApiError('VALIDATION', `Run ${config.sampler.weightsFromRun} has no saved hard-sample weights; save them on the Inspect page first.`);
      }
      config.sampler = {
        ...config.sampler,
        kind: 'weighted',
        weights: { ...Object.fromEntries(saved.map((w) => [String(w.image_id), w.weight])), ...config.sampler.weights },
      };
    }
    const modelProblem =
      modelOptionsProblem(config.model, config.modelOptions, config) ?? inputSizeProblem(config.model, config.inputSize, config.modelOptions);
    if (modelProblem) throw new ApiError('VALIDATION', modelProblem);
    const dataset = statements.datasetById.get(config.datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${config.datasetId}. List them with the Datasets page or \`segbench import\`.`);
    if (dataset.state === 'indexing') throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is still being indexed; train once it is ready.`);
    if (dataset.state === 'ready' && (statements.datasetCounts.get(dataset.id)?.indexed ?? 0) === 0) {
      throw new ApiError(
        'VALIDATION',
        `Dataset "${dataset.name}" has no usable image: every image was skipped as a problem (its import report says why). Fix those files and re-index it.`,
      );
    }
    resolveChannels(config, dataset);
    if (config.inputNormalization === 'imagenet' && channelCount(config.inputChannels) !== 3) {
      throw new ApiError(
        'VALIDATION',
        `inputNormalization "imagenet" is for RGB input; this run takes ${channelCount(config.inputChannels)} channels. Use "dataset" or "auto" (the training images' own mean and std).`,
      );
    }
    const classes = parseClasses(dataset.classes);
    const { positions, classNames, labelMap } = trainingClasses(classes);
    if (positions.length < 2)
      throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has ${positions.length} class(es) to learn; segmentation needs at least 2.`);
    resolveRecipes(config, dataset.name, classes, positions, () => trainClassPixels(statements, config.datasetId));
    if (config.distill) config.distill = resolveDistill(statements, config.distill, config.inputSize, classNames);
    const images = statements.trainValImages.all(dataset.id);
    const item = (row: (typeof images)[number]): TrainItem => ({ imageId: row.id, imagePath: row.image_path, maskPath: row.mask_path });
    const train = images.filter((r) => r.split === 'train').map(item);
    const val = images.filter((r) => r.split === 'val').map(item);
    if (train.length === 0) throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has no training images. Make a split on its Splits tab.`);
    if (val.length === 0) {
      throw new ApiError(
        'VALIDATION',
        `Dataset "${dataset.name}" has no validation images. Make a split with a validation share on its Splits tab (e.g. 80/20).`,
      );
    }
    const pixelsOf = (split: string): number[] => {
      const byPosition = new Map(statements.splitClassPixels.all(dataset.id, split).map((r) => [r.class_index, r.pixels]));
      return positions.map((position) => byPosition.get(position) ?? 0);
    };
    if (pixelsOf('val').every((p) => p === 0)) {
      throw new ApiError(
        'VALIDATION',
        `The validation split of "${dataset.name}" has no labelled pixels (all ignore or unknown). Check the classes, or re-split.`,
      );
    }
    const correctedMasks = images.filter((r) => r.revision_id !== null).length;
    return { config, datasetName: dataset.name, correctedMasks, classNames, labelMap, classPixels: pixelsOf('train'), train, val };
  }

  /** Sets `encoderWeightsFile` to the cached file `encoderWeights` names (refusing what is not cached, with how to fetch it). */
  private async resolveEncoderWeights(config: RunConfig): Promise<void> {
    delete config.encoderWeightsFile;
    if (config.encoderWeights === null || !config.modelOptions.encoder) return;
    const cached = await resolveEncoderWeights(new WeightsCache(this.options.dataDir), config.encoderWeights, config.modelOptions.encoder);
    config.encoderWeightsFile = { path: cached.path, name: cached.name, sha256: cached.sha256 };
  }

  /** Continues a stopped, crashed or failed run from its last checkpoint: same id, history kept. */
  resume(runId: string): RunSummary {
    // A job whose process is gone is not live: it is marked failed first (and its run with it);
    // so is one of this process's whose end waited for room on a full disk.
    this.options.jobs.flushEndings();
    this.options.jobs.failJobsOfGoneOwners();
    const row = this.row(runId);
    const resumable: RunStatus[] = ['stopped', 'crashed', 'failed'];
    // Never two engines on one run: whatever its status says, a queued or running job of it
    // (in this process or another SegBench process on this data directory) refuses the resume.
    const live = this.options.jobs.activeJobs('train', (params) => params.runId === runId)[0];
    if (live) {
      const where = live.owner
        ? `in segbench ${live.owner.mode} (pid ${live.owner.pid} on host ${live.owner.host}, since ${live.owner.startedAt})`
        : 'in the job queue';
      throw new ApiError(
        'CONFLICT',
        `Run "${row.name}" is already ${live.status} ${where}; it cannot be resumed or started twice. Stop it there first, or wait for it to end.`,
      );
    }
    if (!resumable.includes(row.status as RunStatus)) {
      throw new ApiError('CONFLICT', `Run "${row.name}" is ${row.status}; only stopped, crashed or failed runs can be resumed.`);
    }
    if (!row.run_dir || !existsSync(join(row.run_dir, 'last'))) {
      throw new ApiError('CONFLICT', `Run "${row.name}" has no checkpoint to resume from; start a new run instead.`);
    }
    const job = this.options.jobs.getOf('train', row.job_id ?? '');
    // A resume never repeats the test hook that injected non-finite losses into the first start.
    const params: TrainJobParams = { ...job.params, resume: true };
    delete params.nonFiniteAtSteps;
    this.options.statements.epochsAfter.run(runId, row.epochs_done);
    this.enqueue(runId, params);
    return runSummary(this.row(runId), this.options.statements);
  }

  async stop(runId: string): Promise<RunSummary> {
    const row = this.row(runId);
    if (row.external) throw new ApiError('CONFLICT', `Run "${row.name}" is an imported model; it never trains, so there is nothing to stop.`);
    if (!row.job_id || !['queued', 'running'].includes(row.status)) {
      throw new ApiError('CONFLICT', `Run "${row.name}" is ${row.status}; only queued or running runs can be stopped.`);
    }
    await this.options.jobs.cancel(row.job_id);
    return runSummary(this.row(runId), this.options.statements);
  }

  /** Queues the scoring of a checkpoint on a split's images (an `eval` job); the job's result holds the counts. */
  scoreCheckpoint(runId: string, split: 'train' | 'val' | 'test', checkpoint: 'best' | 'last' = 'best'): TypedJob<'eval'> {
    const { row, train, external, predictedMasks } = this.trainParams(runId);
    const images = this.options.statements.splitImages.all(row.dataset_id ?? '', split);
    if (images.length === 0) throw new ApiError('VALIDATION', `The dataset of run "${row.name}" has no ${split} images (or no longer exists).`);
    const params: CheckpointScoreJobParams = {
      runDir: train.runDir,
      checkpoint,
      config: train.config,
      classNames: train.classNames,
      labelMap: train.labelMap,
      items: images.map((i) => ({ imageId: i.id, imagePath: i.image_path, maskPath: i.mask_path })),
      external,
      predictedMasks,
    };
    return this.options.jobs.enqueue('eval', params);
  }

  /** Scores the best checkpoint and waits: per-class and per-image counts on a split. */
  async scoreCheckpointAndWait(runId: string, split: 'train' | 'val' | 'test'): Promise<JobResult<'eval'>> {
    const done = await this.options.jobs.whenDoneOf('eval', this.scoreCheckpoint(runId, split).id);
    if (done.status !== 'finished') throw new ApiError('ENGINE', `Evaluating the ${split} split did not finish: ${done.reason ?? done.status}`);
    return resultOf(done);
  }

  /**
   * A started run's row and the parameters it was trained with (model, classes, label map, folder).
   * For an imported model (`external`), the same shape made from its record: its validation images
   * are the dataset's current validation split, and nothing was trained.
   */
  trainParams(runId: string): { row: RunRow; train: TrainJobParams; external: ExternalModel | null; predictedMasks: PredictedMasks | null } {
    const row = this.row(runId);
    const imported = storedImported(row);
    if (!imported) {
      if (!row.job_id) throw new ApiError('CONFLICT', `Run "${row.name}" never started.`);
      return { row, train: this.options.jobs.getOf('train', row.job_id).params, external: null, predictedMasks: null };
    }
    const val = this.options.statements.splitImages
      .all(row.dataset_id ?? '', 'val')
      .map((i) => ({ imageId: i.id, imagePath: i.image_path, maskPath: i.mask_path }));
    const train: TrainJobParams = {
      runId: row.id,
      runDir: row.run_dir ?? '',
      config: storedRunConfig(row),
      classNames: storedClassNames(row),
      labelMap: imported.labelMap,
      classPixels: [],
      train: [],
      val,
      resume: false,
    };
    return { row, train, external: imported.model ?? null, predictedMasks: imported.masks ?? null };
  }

  private enqueue(runId: string, params: TrainJobParams): void {
    const job = this.options.jobs.enqueue('train', params);
    this.options.statements.runQueued.run({ id: runId, job_id: job.id });
    this.options.announce(runId);
  }
}

/**
 * A multispectral dataset's runs take its bands (every band by default) plus any index channels;
 * an RGB dataset's take none. Refuses channels that do not fit the dataset's bands.
 */
function resolveChannels(config: RunConfig, dataset: DatasetRow): void {
  const layout = parseBandLayout(dataset.bands);
  if (!layout) {
    if (config.inputChannels) {
      throw new ApiError(
        'VALIDATION',
        `Dataset "${dataset.name}" has RGB images; input channels (bands and index channels) apply to multispectral GeoTIFF datasets. Leave them out.`,
      );
    }
    return;
  }
  config.inputChannels ??= { bands: layout.names.map((_, i) => i + 1), indices: [] };
  const problem = channelsProblem(config.inputChannels, layout.bands);
  if (problem) throw new ApiError('VALIDATION', `Input channels: ${problem}.`);
}
