import { randomUUID } from 'node:crypto';
import { ApiError } from '../../src-shared/errors';
import { estimateSecondsLeft, isFinalJobStatus } from '../../src-shared/jobs';
import type { Job, JobKind, JobProgress, JobStatus } from '../../src-shared/jobs';
import type { Logger } from '../log';
import type { JobRow, Statements } from '../db/statements';
import type { EngineData } from '../../src-shared/engine-protocol';
import type { EngineLauncher } from './engine-host';
import { superviseEngineJob } from './supervisor';
import type { EngineOutcome, SupervisedJob } from './supervisor';

/**
 * What a service that owns a job kind does with it: store the results the engine streams, and
 * settle its own rows when the job ends however it ended. Both run in main, inside its writes.
 */
export interface JobKindHandler {
  onData?(job: Job, data: EngineData): void;
  onEnd?(job: Job): void;
}

export interface JobServiceOptions {
  statements: Statements;
  launcher: EngineLauncher;
  logger: Logger;
  /** Called with the whole job row every time it changes, for the `job:update` event. */
  onUpdate: (job: Job) => void;
  heartbeatTimeoutMs?: number;
  stopDeadlineMs?: number;
}

/**
 * The engine job queue: one job runs at a time (one GPU), the rest wait in order. Every state
 * change is written to SQLite before it is announced, so a restarted app shows the same jobs.
 */
export class JobService {
  private active: { id: string; supervised: SupervisedJob } | null = null;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly kindHandlers = new Map<JobKind, JobKindHandler>();
  private readonly doneWaiters = new Map<string, ((job: Job) => void)[]>();
  private readonly heartbeatTimeoutMs: number;
  private readonly stopDeadlineMs: number;

  constructor(private readonly options: JobServiceOptions) {
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 60_000;
    this.stopDeadlineMs = options.stopDeadlineMs ?? 10_000;
  }

  /** Registers the service that stores a job kind's results (datasets for `index`, and so on). */
  handleKind(kind: JobKind, handler: JobKindHandler): void {
    this.kindHandlers.set(kind, handler);
  }

  /**
   * Jobs left `running` by an earlier process (the app crashed or was killed) cannot be running
   * now: mark them failed with the reason, and say when the engine was last heard from.
   */
  recoverInterrupted(): number {
    const stale = this.options.statements.jobsRunning.all();
    for (const row of stale) {
      const last = row.heartbeat_at ? ` Last heartbeat: ${row.heartbeat_at}.` : '';
      this.end(row.id, 'failed', `SegBench stopped while this job was running.${last}`, null);
      this.settleKind(this.get(row.id));
    }
    return stale.length;
  }

  list(limit = 200): Job[] {
    return this.options.statements.jobsRecent.all(limit).map(rowToJob);
  }

  get(id: string): Job {
    const row = this.options.statements.jobById.get(id);
    if (!row) throw new ApiError('NOT_FOUND', `No job with id ${id}.`);
    return rowToJob(row);
  }

  /** Queued and running jobs of one kind whose params match `predicate`. */
  activeJobs(kind: JobKind, predicate: (params: unknown) => boolean = () => true): Job[] {
    return this.list(1000).filter((job) => job.kind === kind && !isFinalJobStatus(job.status) && predicate(job.params));
  }

  enqueue(kind: JobKind, params: unknown): Job {
    if (this.closed) throw new ApiError('CONFLICT', 'SegBench is shutting down; no new jobs are accepted.');
    const id = randomUUID();
    this.options.statements.jobInsert.run({
      id,
      kind,
      params: JSON.stringify(params),
      created_at: new Date().toISOString(),
    });
    this.announce(id);
    this.pump();
    return this.get(id);
  }

  /** Moves a queued job one place earlier or later in the queue (swapping with its neighbour). */
  move(id: string, direction: 'earlier' | 'later'): Job[] {
    const queued = this.options.statements.jobsQueued.all();
    const index = queued.findIndex((row) => row.id === id);
    if (index < 0) throw new ApiError('CONFLICT', `Job ${id} is not waiting in the queue; only queued jobs can be moved.`);
    const other = queued[direction === 'earlier' ? index - 1 : index + 1];
    if (other) {
      const mine = queued[index]!;
      this.options.statements.jobSetPosition.run({ id: mine.id, queue_position: other.queue_position });
      this.options.statements.jobSetPosition.run({ id: other.id, queue_position: mine.queue_position });
      this.announce(mine.id);
      this.announce(other.id);
    }
    return this.options.statements.jobsQueued.all().map(rowToJob);
  }

  async cancel(id: string): Promise<Job> {
    const job = this.get(id);
    if (isFinalJobStatus(job.status)) {
      throw new ApiError('CONFLICT', `Job ${id} is already ${job.status}; only queued or running jobs can be stopped.`);
    }
    if (job.status === 'queued') {
      this.end(id, 'cancelled', 'Cancelled before it started.', null);
      this.settleKind(this.get(id));
      return this.get(id);
    }
    if (this.active?.id === id) await this.active.supervised.stop();
    await this.whenIdleOf(id);
    return this.get(id);
  }

  /** Resolves with the job once it has ended, however it ended. */
  whenDone(id: string): Promise<Job> {
    const job = this.get(id);
    if (isFinalJobStatus(job.status)) return Promise.resolve(job);
    return new Promise((resolve) => this.doneWaiters.set(id, [...(this.doneWaiters.get(id) ?? []), resolve]));
  }

  /** Resolves when no job is running and none is queued. */
  whenIdle(): Promise<void> {
    if (!this.active && !this.options.statements.jobNextQueued.get()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the running job (deadline, then kill) and refuses new ones; for app shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.active) await this.active.supervised.stop();
  }

  private async whenIdleOf(id: string): Promise<void> {
    while (this.active?.id === id) await this.active.supervised.outcome.then(() => undefined);
  }

  private pump(): void {
    if (this.active || this.closed) {
      return;
    }
    const next = this.options.statements.jobNextQueued.get();
    if (!next) {
      const waiters = this.idleWaiters.splice(0);
      for (const resolve of waiters) resolve();
      return;
    }
    this.start(next);
  }

  private start(row: JobRow): void {
    const startedAt = Date.now();
    const { statements, logger } = this.options;
    statements.jobMarkRunning.run({ id: row.id, started_at: new Date(startedAt).toISOString(), engine_pid: null });
    this.announce(row.id);
    const supervised = superviseEngineJob(
      this.options.launcher,
      { id: row.id, kind: row.kind as JobKind, params: JSON.parse(row.params) as unknown },
      {
        onStarted: (pid) => {
          if (pid !== null) statements.jobSetPid.run({ id: row.id, engine_pid: pid });
          this.announce(row.id);
        },
        onHeartbeat: () => {
          statements.jobHeartbeat.run({ id: row.id, heartbeat_at: new Date().toISOString() });
        },
        onProgress: (done, total, message) => {
          const progress: JobProgress = {
            done,
            total,
            message,
            etaSeconds: estimateSecondsLeft(Date.now() - startedAt, done, total),
          };
          statements.jobProgress.run({
            id: row.id,
            progress: JSON.stringify(progress),
            heartbeat_at: new Date().toISOString(),
          });
          this.announce(row.id);
        },
        onData: (data) => {
          try {
            this.kindHandlers.get(row.kind as JobKind)?.onData?.(this.get(row.id), data);
          } catch (error) {
            logger.error(`[jobs] storing ${row.kind} results of job ${row.id} failed: ${String(error)}`);
            void supervised.stop();
          }
        },
      },
      { heartbeatTimeoutMs: this.heartbeatTimeoutMs, stopDeadlineMs: this.stopDeadlineMs, logger },
    );
    this.active = { id: row.id, supervised };
    void supervised.outcome.then((outcome) => this.finish(row.id, outcome));
  }

  private finish(id: string, outcome: EngineOutcome): void {
    if (outcome.status === 'finished') this.end(id, 'finished', null, outcome.result);
    else this.end(id, outcome.status, outcome.reason, null);
    this.active = null;
    this.settleKind(this.get(id));
    this.pump();
  }

  /** Lets the owning service settle its rows for a job that ended, whichever way it ended. */
  private settleKind(job: Job): void {
    try {
      this.kindHandlers.get(job.kind)?.onEnd?.(job);
    } catch (error) {
      this.options.logger.error(`[jobs] settling ${job.kind} job ${job.id} failed: ${String(error)}`);
    }
  }

  private end(id: string, status: JobStatus, reason: string | null, result: unknown): void {
    this.options.statements.jobEnd.run({
      id,
      status,
      ended_at: new Date().toISOString(),
      reason,
      result: result === null || result === undefined ? null : JSON.stringify(result),
    });
    this.announce(id);
    const waiters = this.doneWaiters.get(id) ?? [];
    this.doneWaiters.delete(id);
    for (const resolve of waiters) resolve(this.get(id));
  }

  private announce(id: string): void {
    this.options.onUpdate(this.get(id));
  }
}

function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    status: row.status as JobStatus,
    params: parseJson(row.params),
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    progress: parseJson(row.progress) as JobProgress | null,
    reason: row.reason,
    result: parseJson(row.result),
    enginePid: row.engine_pid,
    heartbeatAt: row.heartbeat_at,
  };
}
