import { readdirSync, rmSync } from 'node:fs';
import { validationText } from '../../src-shared/validation-plan';
import { join } from 'node:path';
import { assertNever } from '../../src-shared/engine-protocol';
import type { EngineData, EngineResources, EpochReport } from '../../src-shared/engine-protocol';
import { engineDied } from '../../src-shared/jobs';
import { summarize } from '../../src-shared/metrics';
import type { RunStatus } from '../../src-shared/run-config';
import type { Db } from '../db/connection';
import type { RunRow } from '../db/run-statements';
import type { Statements } from '../db/statements';
import { resultOf } from '../jobs/job-service';
import type { JobService, TypedJob } from '../jobs/job-service';
import { pidAlive } from '../jobs/ownership';

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

/**
 * The recorder of a train job's engine events: steps, epochs (each in one transaction) and events
 * are stored as they come; how the job ended becomes the run's status, in the job's end transaction.
 */
export class RunRecorder {
  /** Latest engine resource report per running run (memory only: it is live information). */
  readonly resources = new Map<string, EngineResources>();

  constructor(
    private readonly options: {
      db: Db;
      statements: Statements;
      jobs: JobService;
      /** A run changed: announce it. */
      announce: (runId: string) => void;
      /** New steps of a run were stored: drop its downsampled step cache. */
      forgetSteps: (runId: string) => void;
    },
  ) {
    options.jobs.handleKind('train', {
      onData: (job, data) => this.store(job, data),
      onEnd: (job) => this.settle(job),
      onRemoteUpdate: (job) => {
        const runId = job.params.runId;
        if (this.options.statements.runById.get(runId)) this.options.announce(runId);
      },
    });
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
        this.options.forgetSteps(runId);
        if (data.resources) this.resources.set(runId, data.resources);
        break;
      case 'run-epoch':
        if (data.epoch.replayed && statements.epochsOfRun.all(runId).some((e) => e.epoch === data.epoch.epoch)) return;
        db.transaction(() => {
          this.storeEpoch(runId, data.epoch, now);
          if (data.epoch.replayed)
            statements.eventPut.run(
              runId,
              now,
              'warn',
              `Epoch ${data.epoch.epoch} was saved in the checkpoint but had not been recorded (the disk was full); it is recorded now from the checkpoint.`,
            );
        })();
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
    this.options.announce(runId);
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
      validated_images: validatedImages(report),
      validation_total: report.validationTotal ?? null,
      judged_miou: report.judgedMiou ?? null,
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
    statements.eventPut.run(runId, now, 'info', epochEventText(report, summary.miou));
    const by =
      report.judgedOn && report.judgedMiou !== undefined && report.judgedMiou !== null && report.validationTotal !== undefined
        ? ` by mIoU ${report.judgedMiou.toFixed(3)} on the validation subset, ${report.judgedOn.images} of ${report.validationTotal} images, the images every epoch is judged on`
        : report.validation && report.validationTotal !== undefined
          ? ` by mIoU ${validationText(report.validation, report.validationTotal)}`
          : '';
    statements.eventPut.run(
      runId,
      now,
      'info',
      report.best
        ? `Checkpoints saved: last and best (epoch ${report.epoch} is the new best${by}).`
        : `Checkpoint saved: last (the best stays epoch ${row.best_epoch ?? '-'}).`,
    );
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
    this.options.announce(runId);
  }

  private row(runId: string): RunRow {
    return this.options.statements.runById.get(runId)!;
  }
}

/** How many images an epoch validated; null when it did not validate, or its report predates the plan. */
function validatedImages(report: EpochReport): number | null {
  if (!report.validation || report.validation.kind === 'skipped') return null;
  return report.validation.kind === 'subset' ? report.validation.images : (report.validationTotal ?? null);
}

/** One epoch in the events log: its losses, mIoU and time. */
function epochEventText(
  report: Pick<EpochReport, 'epoch' | 'trainLoss' | 'valLoss' | 'seconds' | 'validationSeconds' | 'validation' | 'validationTotal'>,
  miou: number | null,
): string {
  const value = (v: number | null | undefined, digits: number): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
  if (report.validation?.kind === 'skipped')
    return `Epoch ${report.epoch}: train loss ${value(report.trainLoss, 4)}, ${validationText(report.validation, 0)}, ${value(report.seconds, 1)} s.`;
  const subset = report.validation?.kind === 'subset' ? ` (${validationText(report.validation, report.validationTotal ?? 0)})` : '';
  // The validation's share of the epoch, to set against the launch form's estimate.
  const validating = report.validationSeconds !== undefined ? ` (validation ${value(report.validationSeconds, 1)} s)` : '';
  return `Epoch ${report.epoch}: train loss ${value(report.trainLoss, 4)}, validation loss ${value(report.valLoss, 4)}, mIoU ${value(miou, 3)}${subset}, ${value(report.seconds, 1)} s${validating}.`;
}
