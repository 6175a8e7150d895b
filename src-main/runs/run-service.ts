import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ignoreClassIndex } from '../../src-shared/classes';
import { drawWeight, exposure } from '../../src-shared/recipes';
import type { RecipePreview } from '../../src-shared/recipes';
import { assertNever } from '../../src-shared/engine-protocol';
import type { EngineData, EngineResources, EpochReport } from '../../src-shared/engine-protocol';
import { ApiError } from '../../src-shared/errors';
import { summarize } from '../../src-shared/metrics';
import { inputSizeProblem } from '../../src-shared/run-config';
import type { RunConfig, RunStatus } from '../../src-shared/run-config';
import { lttb } from '../../src-shared/lttb';
import type { RunDetail, RunSummary, StepPoint } from '../../src-shared/runs';
import type { EstimateResult, EvalJobParams, TrainItem, TrainJobParams } from '../../src-shared/training';
import type { Db } from '../db/connection';
import type { RunRow } from '../db/run-statements';
import type { Statements } from '../db/statements';
import { parseClasses } from '../datasets/dataset-queries';
import type { JobService } from '../jobs/job-service';
import { pidAlive } from '../jobs/ownership';
import { resolveDistill, resolveRecipes, trainClassPixels } from './recipe-resolution';
import { runDetail, runSummary } from './run-queries';
import { resultOf } from '../jobs/job-service';
import { engineDied } from '../../src-shared/jobs';
import type { JobResult } from '../../src-shared/job-kinds';
import type { TypedJob } from '../jobs/job-service';

/**
 * Checkpoint temp folders (`last.tmp-<pid>`) left by an engine that died mid-write: its job has
 * ended, so nothing writes them any more, and on a full disk they are what fills it.
 */
function removeTempCheckpoints(runDir: string, onlyDead = false): number {
  let removed = 0;
  try {
    for (const name of readdirSync(runDir)) {
      const pid = /\.tmp-(\d+)$/.exec(name)?.[1];
      if (pid === undefined || (onlyDead && pidAlive(Number(pid)))) continue;
      rmSync(join(runDir, name), { recursive: true, force: true });
      removed += 1;
    }
  } catch {
    // No run folder yet (the job failed before its first checkpoint).
  }
  return removed;
}

/**
 * At startup, before anything is written: temp checkpoints of engines that no longer exist. On a
 * disk that a crashed run filled, removing them is what makes room for the cleanup's own writes.
 */
export function sweepDeadTempCheckpoints(runsRoot: string): number {
  try {
    return readdirSync(runsRoot).reduce((n, run) => n + removeTempCheckpoints(join(runsRoot, run), true), 0);
  } catch {
    return 0;
  }
}

export interface RunServiceOptions {
  db: Db;
  statements: Statements;
  jobs: JobService;
  dataDir: string;
  onChanged: (run: RunSummary) => void;
}

/** Test hooks that never reach the API (a test injects a non-finite loss with them). */
export interface RunStartHooks {
  nonFiniteAtSteps?: number[];
}

/**
 * Training runs: a row is written before the engine starts; the engine's epoch and step reports
 * are stored as they come (each in one transaction); how the job ended becomes the run's status.
 */
export class RunService {
  constructor(private readonly options: RunServiceOptions) {
    options.jobs.handleKind('train', {
      onData: (job, data) => this.store(job, data),
      onEnd: (job) => this.settle(job),
      onRemoteUpdate: (job) => {
        const runId = job.params.runId;
        if (this.options.statements.runById.get(runId)) this.announce(runId);
      },
    });
  }

  list(): RunSummary[] {
    return this.options.statements.runsAll.all().map((row) => runSummary(row, this.options.statements));
  }

  get(runId: string): RunDetail {
    return runDetail(this.options.statements, this.row(runId), this.resources.get(runId) ?? null);
  }

  /** Latest engine resource report per running run (memory only: it is live information). */
  private readonly resources = new Map<string, EngineResources>();

  /** Step losses, downsampled to at most `maxPoints` with LTTB so a chart gets no more than it can draw. */
  steps(runId: string, maxPoints: number): { total: number; steps: StepPoint[] } {
    this.row(runId);
    const key = `${runId}:${maxPoints}`;
    const cached = this.stepCache.get(key);
    if (cached) return cached;
    const all = this.options.statements.stepsOfRun.all(runId);
    const result = { total: all.length, steps: lttb(all, maxPoints, (s) => s.step, (s) => s.loss) };
    this.stepCache.set(key, result);
    return result;
  }

  /** Downsampled steps per run and size, dropped when the engine reports new steps for that run. */
  private readonly stepCache = new Map<string, { total: number; steps: StepPoint[] }>();

  private forgetSteps(runId: string): void {
    for (const key of this.stepCache.keys()) if (key.startsWith(`${runId}:`)) this.stepCache.delete(key);
  }

  private row(runId: string): RunRow {
    const row = this.options.statements.runById.get(runId);
    if (!row) throw new ApiError('NOT_FOUND', `No run with id ${runId}.`);
    return row;
  }

  start(input: RunConfig, hooks: RunStartHooks = {}): RunSummary {
    const { statements } = this.options;
    const prepared = this.prepare(input);
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

  /**
   * What a launch's sampler recipes do before it runs: how many training images replication
   * repeats, and the expected pixel share per class with and without replication and hard-sample weights.
   */
  recipePreview(input: RunConfig): RecipePreview {
    const prepared = this.prepare(input);
    const { config } = prepared;
    const dataset = this.options.statements.datasetById.get(config.datasetId)!;
    const classes = parseClasses(dataset.classes);
    const trainPositions = classes.map((c, i) => (c.ignore ? -1 : i)).filter((i) => i >= 0);
    const images = trainClassPixels(this.options.statements, config.datasetId);
    const repeats = config.replicate?.repeats;
    const weights = config.sampler.kind === 'weighted' ? config.sampler.weights : undefined;
    return {
      trainImages: images.length,
      replicated: Object.keys(repeats ?? {}).length,
      drawsPerPass: images.reduce((n, image) => n + (repeats?.[String(image.id)] ?? 1), 0),
      classNames: trainPositions.map((p) => classes[p]!.name),
      sharesBefore: exposure(images, trainPositions, () => 1),
      sharesAfter: exposure(images, trainPositions, (id) => drawWeight(id, weights, repeats)),
    };
  }

  /** Checks a launch against its dataset and resolves what the engine needs; refuses with what to do. */
  /**
   * `input` was parsed at the API boundary with runConfigSchema (the one parse of a config); this
   * resolves what depends on the database, on a copy.
   */
  private prepare(input: RunConfig) {
    const { statements } = this.options;
    const config: RunConfig = structuredClone(input);
    if (config.sampler.weightsFromRun) {
      const saved = statements.weightsOfRun.all(config.sampler.weightsFromRun);
      if (saved.length === 0) {
        throw new ApiError('VALIDATION', `Run ${config.sampler.weightsFromRun} has no saved hard-sample weights; save them on the Inspect page first.`);
      }
      config.sampler = { ...config.sampler, kind: 'weighted', weights: { ...Object.fromEntries(saved.map((w) => [String(w.image_id), w.weight])), ...config.sampler.weights } };
    }
    const sizeProblem = inputSizeProblem(config.model, config.inputSize, config.modelOptions);
    if (sizeProblem) throw new ApiError('VALIDATION', sizeProblem);
    const dataset = statements.datasetById.get(config.datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${config.datasetId}. List them with the Datasets page or \`segbench import\`.`);
    if (dataset.state === 'indexing') throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is still being indexed; train once it is ready.`);
    const classes = parseClasses(dataset.classes);
    const ignore = ignoreClassIndex(classes);
    const trainClasses = classes.map((c, position) => ({ c, position })).filter(({ position }) => position !== ignore);
    if (trainClasses.length < 2) throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has ${trainClasses.length} class(es) to learn; segmentation needs at least 2.`);
    const labelMap: [number, number][] = trainClasses.flatMap(({ c }, label) => c.values.map((value) => [value, label] as [number, number]));
    resolveRecipes(config, dataset.name, classes, trainClasses.map(({ position }) => position), () => trainClassPixels(statements, config.datasetId));
    if (config.distill) config.distill = resolveDistill(statements, config.distill, config.inputSize, trainClasses.map(({ c }) => c.name));
    const images = statements.trainValImages.all(dataset.id);
    const item = (row: (typeof images)[number]): TrainItem => ({ imageId: row.id, imagePath: row.image_path, maskPath: row.mask_path });
    const train = images.filter((r) => r.split === 'train').map(item);
    const val = images.filter((r) => r.split === 'val').map(item);
    if (train.length === 0) throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has no training images. Make a split on its Splits tab.`);
    if (val.length === 0) {
      throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has no validation images. Make a split with a validation share on its Splits tab (e.g. 80/20).`);
    }
    const pixelsOf = (split: string): number[] => {
      const byPosition = new Map(statements.splitClassPixels.all(dataset.id, split).map((r) => [r.class_index, r.pixels]));
      return trainClasses.map(({ position }) => byPosition.get(position) ?? 0);
    };
    if (pixelsOf('val').every((p) => p === 0)) {
      throw new ApiError('VALIDATION', `The validation split of "${dataset.name}" has no labelled pixels (all ignore or unknown). Check the classes, or re-split.`);
    }
    return { config, datasetName: dataset.name, classNames: trainClasses.map(({ c }) => c.name), labelMap, classPixels: pixelsOf('train'), train, val };
  }

  /** Continues a stopped, crashed or failed run from its last checkpoint: same id, history kept. */
  resume(runId: string): RunSummary {
    const row = this.row(runId);
    const resumable: RunStatus[] = ['stopped', 'crashed', 'failed'];
    // Never two engines on one run: whatever its status says, a queued or running job of it
    // (in this process or another SegBench process on this data directory) refuses the resume.
    const live = this.options.jobs.activeJobs('train', (params) => params.runId === runId)[0];
    if (live) {
      const where = live.owner ? `in segbench ${live.owner.mode} (pid ${live.owner.pid} on host ${live.owner.host}, since ${live.owner.startedAt})` : 'in the job queue';
      throw new ApiError('CONFLICT', `Run "${row.name}" is already ${live.status} ${where}; it cannot be resumed or started twice. Stop it there first, or wait for it to end.`);
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
    if (!row.job_id || !['queued', 'running'].includes(row.status)) {
      throw new ApiError('CONFLICT', `Run "${row.name}" is ${row.status}; only queued or running runs can be stopped.`);
    }
    await this.options.jobs.cancel(row.job_id);
    return runSummary(this.row(runId), this.options.statements);
  }

  /** Queues evaluation of a checkpoint on a split's images; the job's result holds the counts. */
  evaluate(runId: string, split: 'train' | 'val' | 'test', checkpoint: 'best' | 'last' = 'best'): TypedJob<'eval'> {
    const { row, train } = this.trainParams(runId);
    const images = this.options.statements.splitImages.all(row.dataset_id ?? '', split);
    if (images.length === 0) throw new ApiError('VALIDATION', `The dataset of run "${row.name}" has no ${split} images (or no longer exists).`);
    const params: EvalJobParams = {
      runDir: train.runDir,
      checkpoint,
      config: train.config,
      classNames: train.classNames,
      labelMap: train.labelMap,
      items: images.map((i) => ({ imageId: i.id, imagePath: i.image_path, maskPath: i.mask_path })),
    };
    return this.options.jobs.enqueue('eval', params);
  }

  /** Evaluates and waits: per-class and per-image counts of a checkpoint on a split. */
  async evaluateAndWait(runId: string, split: 'train' | 'val' | 'test'): Promise<JobResult<'eval'>> {
    const done = await this.options.jobs.whenDoneOf('eval', this.evaluate(runId, split).id);
    if (done.status !== 'finished') throw new ApiError('ENGINE', `Evaluating the ${split} split did not finish: ${done.reason ?? done.status}`);
    return resultOf(done);
  }

  /** A started run's row and the parameters it was trained with (model, classes, label map, folder). */
  trainParams(runId: string): { row: RunRow; train: TrainJobParams } {
    const row = this.row(runId);
    if (!row.job_id) throw new ApiError('CONFLICT', `Run "${row.name}" never started.`);
    return { row, train: this.options.jobs.getOf('train', row.job_id).params };
  }

  /** Rename, tag, annotate or archive a run. */
  update(patch: { runId: string; name?: string | undefined; tags?: string[] | undefined; notes?: string | undefined; archived?: boolean | undefined }): RunSummary {
    const row = this.row(patch.runId);
    this.options.statements.runUpdateMeta.run({
      id: row.id,
      name: patch.name ?? row.name,
      tags: JSON.stringify(patch.tags ?? (JSON.parse(row.tags) as string[])),
      notes: patch.notes ?? row.notes,
      archived: (patch.archived ?? row.archived === 1) ? 1 : 0,
    });
    this.announce(row.id);
    return runSummary(this.row(row.id), this.options.statements);
  }

  delete(runId: string): { deleted: boolean } {
    const row = this.row(runId);
    if (['queued', 'running'].includes(row.status)) throw new ApiError('CONFLICT', `Run "${row.name}" is ${row.status}; stop it before deleting it.`);
    this.options.statements.runDelete.run(runId);
    if (row.run_dir) rmSync(row.run_dir, { recursive: true, force: true });
    return { deleted: true };
  }

  private enqueue(runId: string, params: TrainJobParams): void {
    const job = this.options.jobs.enqueue('train', params);
    this.options.statements.runQueued.run({ id: runId, job_id: job.id });
    this.announce(runId);
  }

  private store(job: TypedJob<'train'>, data: EngineData): void {
    const runId = job.params.runId;
    const { statements, db } = this.options;
    const now = new Date().toISOString();
    switch (data.kind) {
      case 'run-started':
        statements.runStarted.run({ id: runId, backend: data.backend, device: data.device, started_at: now });
        for (const note of data.notes) statements.eventPut.run(runId, now, 'info', note);
        if (data.resumedFromEpoch !== null) statements.eventPut.run(runId, now, 'info', `Resumed after epoch ${data.resumedFromEpoch}.`);
        break;
      case 'run-steps':
        db.transaction(() => data.steps.forEach((s) => statements.stepPut.run(runId, s.step, s.epoch, s.loss, s.lr)))();
        this.forgetSteps(runId);
        if (data.resources) this.resources.set(runId, data.resources);
        break;
      case 'run-epoch':
        db.transaction(() => this.storeEpoch(runId, data.epoch, now))();
        break;
      case 'run-event':
        statements.eventPut.run(runId, now, data.level, data.message);
        break;
      case 'indexed':
      case 'hashed':
        // Other job kinds' data; a train job never sends it.
        return;
      default:
        assertNever(data, 'engine data');
    }
    this.announce(runId);
  }

  private storeEpoch(runId: string, report: EpochReport, now: string): void {
    const { statements } = this.options;
    const summary = summarize(report.counts);
    statements.epochPut.run({
      run_id: runId,
      epoch: report.epoch,
      train_loss: Number.isFinite(report.trainLoss) ? report.trainLoss : null,
      val_loss: report.valLoss,
      lr: report.lr,
      seconds: report.seconds,
      images_per_second: report.imagesPerSecond,
      data_wait: report.dataWait,
      miou: summary.miou,
      accuracy: summary.accuracy,
      is_best: report.best ? 1 : 0,
      created_at: now,
    });
    report.counts.forEach((c, i) => statements.classCountPut.run(runId, report.epoch, 'val', i, c.tp, c.fp, c.fn));
    for (const image of report.imageCounts) {
      image.counts.forEach((c, i) => {
        if (c.tp + c.fp + c.fn > 0) statements.imageCountPut.run(runId, report.epoch, image.imageId, i, c.tp, c.fp, c.fn);
      });
    }
    const row = this.row(runId);
    const best = report.best ? { best_epoch: report.epoch, best_miou: summary.miou } : { best_epoch: row.best_epoch, best_miou: row.best_miou };
    statements.runProgress.run({ id: runId, epochs_done: report.epoch, ...best });
  }

  private settle(job: TypedJob<'train'>): void {
    const runId = job.params.runId;
    const row = this.options.statements.runById.get(runId);
    if (!row || row.job_id !== job.id) return;
    let status: RunStatus;
    let reason: string | null = job.reason;
    if (job.status === 'finished') {
      const result = resultOf(job);
      status = result.outcome === 'diverged' ? 'diverged' : 'finished';
      reason = result.reason;
    } else if (job.status === 'cancelled') {
      status = 'stopped';
    } else {
      // The engine process died (signal, exit, no heartbeat, its owner gone), or it reported an error.
      status = engineDied(job.cause) ? 'crashed' : 'failed';
    }
    this.options.statements.runEnded.run({ id: runId, status, reason, ended_at: new Date().toISOString() });
    if (row.run_dir) removeTempCheckpoints(row.run_dir);
    this.announce(runId);
  }

  private announce(runId: string): void {
    this.options.onChanged(runSummary(this.row(runId), this.options.statements));
  }
}
