import type { RecipePreview } from '../../src-shared/recipes';
import type { ExternalModel, PredictedMasks } from '../../src-shared/external-model';
import type { JobResult } from '../../src-shared/job-kinds';
import type { RunConfig } from '../../src-shared/run-config';
import { lttb } from '../../src-shared/lttb';
import type { RunDetail, RunSummary, StepPoint } from '../../src-shared/runs';
import type { EstimateResult, TrainJobParams } from '../../src-shared/training';
import { rmSync } from 'node:fs';
import { ApiError } from '../../src-shared/errors';
import type { Db } from '../db/connection';
import type { RunRow } from '../db/run-statements';
import type { Statements } from '../db/statements';
import type { JobService, TypedJob } from '../jobs/job-service';
import { RunLauncher } from './run-launcher';
import type { RunStartHooks } from './run-launcher';
import { RunRecorder } from './run-recorder';
import { runDetail, runSummary, storedTags } from './run-queries';

interface RunServiceOptions {
  db: Db;
  statements: Statements;
  jobs: JobService;
  dataDir: string;
  onChanged: (run: RunSummary) => void;
}

/**
 * Training runs: the catalogue of runs (list, detail, steps, rename, delete), over the launcher
 * (run-launcher.ts: launch, resume, stop, evaluate) and the recorder of engine events
 * (run-recorder.ts: steps, epochs, how a run ended).
 */
export class RunService {
  private readonly launcher: RunLauncher;
  private readonly recorder: RunRecorder;

  constructor(private readonly options: RunServiceOptions) {
    const announce = (runId: string): void => this.announce(runId);
    this.recorder = new RunRecorder({
      db: options.db,
      statements: options.statements,
      jobs: options.jobs,
      announce,
      forgetSteps: (runId) => this.forgetSteps(runId),
    });
    this.launcher = new RunLauncher({ db: options.db, statements: options.statements, jobs: options.jobs, dataDir: options.dataDir, announce });
  }

  list(): RunSummary[] {
    return this.options.statements.runsAll.all().map((row) => runSummary(row, this.options.statements));
  }

  get(runId: string): RunDetail {
    return runDetail(this.options.statements, this.row(runId), this.recorder.resources.get(runId) ?? null);
  }

  /** Step losses, downsampled to at most `maxPoints` with LTTB so a chart gets no more than it can draw. */
  steps(runId: string, maxPoints: number): { total: number; steps: StepPoint[] } {
    this.row(runId);
    const key = `${runId}:${maxPoints}`;
    const cached = this.stepCache.get(key);
    if (cached) return cached;
    const all = this.options.statements.stepsOfRun.all(runId);
    const result = {
      total: all.length,
      steps: lttb(
        all,
        maxPoints,
        (s) => s.step,
        (s) => s.loss,
      ),
    };
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

  start(input: RunConfig, hooks: RunStartHooks = {}): Promise<RunSummary> {
    return this.launcher.start(input, hooks);
  }

  estimate(input: RunConfig): Promise<EstimateResult> {
    return this.launcher.estimate(input);
  }

  recipePreview(input: RunConfig): Promise<RecipePreview> {
    return this.launcher.recipePreview(input);
  }

  resume(runId: string): RunSummary {
    return this.launcher.resume(runId);
  }

  stop(runId: string): Promise<RunSummary> {
    return this.launcher.stop(runId);
  }

  /** An `eval` job: the checkpoint scored on a split (not an evaluation, which EvaluationService stores). */
  scoreCheckpoint(runId: string, split: 'train' | 'val' | 'test', checkpoint: 'best' | 'last' = 'best'): TypedJob<'eval'> {
    return this.launcher.scoreCheckpoint(runId, split, checkpoint);
  }

  scoreCheckpointAndWait(runId: string, split: 'train' | 'val' | 'test'): Promise<JobResult<'eval'>> {
    return this.launcher.scoreCheckpointAndWait(runId, split);
  }

  trainParams(runId: string): { row: RunRow; train: TrainJobParams; external: ExternalModel | null; predictedMasks: PredictedMasks | null } {
    return this.launcher.trainParams(runId);
  }

  /** Rename, tag, annotate or archive a run. */
  update(patch: {
    runId: string;
    name?: string | undefined;
    tags?: string[] | undefined;
    notes?: string | undefined;
    archived?: boolean | undefined;
  }): RunSummary {
    const row = this.row(patch.runId);
    this.options.statements.runUpdateMeta.run({
      id: row.id,
      name: patch.name ?? row.name,
      tags: JSON.stringify(patch.tags ?? storedTags(row)),
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

  private announce(runId: string): void {
    this.options.onChanged(runSummary(this.row(runId), this.options.statements));
  }
}
