import { randomUUID } from 'node:crypto';
import { ApiError } from '../../src-shared/errors';
import { estimateSecondsLeft, isFinalJobStatus } from '../../src-shared/jobs';
import type { Job, JobFailureCause, JobKind, JobProgress } from '../../src-shared/jobs';
import type { JobParams, JobParamsInput } from '../../src-shared/job-kinds';
import type { Logger } from '../log';
import type { JobRow, Statements } from '../db/statements';
import type { Db } from '../db/connection';
import { diskFreeText, isDiskFull } from '../db/connection';
import { currentProcess, describeOwner, jobOwnerText, killOrphanedEngine, ownerGone, QueueLock } from './ownership';
import type { EngineData } from '../../src-shared/engine-protocol';
import type { EngineLauncher } from './engine-host';
import { superviseEngineJob } from './supervisor';
import { LeaseKeeper } from './lease-keeper';
import { JobEndings } from './job-endings';
import { JobFollower } from './job-follower';
import { asKind, asKindAsStored, rowParams, rowToJob } from './typed-job';
import type { JobKindHandler, TypedJob } from './typed-job';

export { resultOf } from './typed-job';
export type { TypedJob } from './typed-job';
import type { EngineOutcome, SupervisedJob } from './supervisor';

interface JobServiceOptions {
  db: Db;
  statements: Statements;
  /** What this process is (serve, cli, electron, memory): recorded as the owner of the jobs it runs. */
  mode: string;
  /** How long the queue lock and a running job's lease hold without renewal. */
  leaseMs?: number;
  /** How often the lease is renewed and other processes' changes are looked for. */
  tickMs?: number;
  launcher: EngineLauncher;
  logger: Logger;
  /** Called with the whole job row every time it changes, for the `job:update` event. */
  onUpdate: (job: Job) => void;
  heartbeatTimeoutMs?: number;
  stopDeadlineMs?: number;
  /**
   * Run only the jobs this service queued, and hand the queue back as soon as none of them waits.
   * For one-shot commands (the CLI): a command that exits must never start, and then stop,
   * another process's job.
   */
  ownJobsOnly?: boolean;
  /** better-sqlite3's native binding where it is not the default (the Electron build), for the lease keeper thread. */
  sqliteBinding?: string | undefined;
}

/**
 * The engine job queue: one job runs at a time (one GPU), the rest wait in order. Every state
 * change is written to SQLite before it is announced, so a restarted app shows the same jobs.
 *
 * Several SegBench processes may open one data directory (the app, `segbench serve`, a CLI
 * command). One of them at a time owns the queue (QueueLock) and runs its jobs; every job it runs
 * records that owner and a lease it renews. The others enqueue into the same table, ask the owner
 * to stop a job through it, and follow its jobs by polling; one of them takes over the queue once
 * the owner is gone (pid dead, or lease expired).
 */
export class JobService {
  private active: { id: string; supervised: SupervisedJob } | null = null;
  private readonly lock: QueueLock;
  private owner = false;
  private readonly timer: NodeJS.Timeout;
  /** Writing how jobs ended (retried on a full disk). */
  private readonly endings: JobEndings;
  /** The jobs this process follows and who waits on them. */
  private readonly follower = new JobFollower();
  /** Why a job failed when main, not the engine, stopped it (a full disk while storing its results). */
  private readonly failures = new Map<string, { reason: string; cause: JobFailureCause }>();
  /** Job ends that could not be written (a full disk); retried on each tick. */
  private closed = false;
  /** The handlers as registered, wrapped to check and restore each job's kind. */
  private readonly kindHandlers = new Map<JobKind, { onData?(job: Job, data: EngineData): void; onEnd?(job: Job): void; onRemoteUpdate?(job: Job): void }>();
  private readonly heartbeatTimeoutMs: number;
  private readonly stopDeadlineMs: number;
  /** The last upkeep failure, said once. */
  private upkeepProblem: string | null = null;
  /** Taking the queue failed for a full disk, and was said once. */
  private queueBlockedByDisk = false;
  /** The jobs this service queued (what an ownJobsOnly service runs and waits for). */
  private readonly mine = new Set<string>();
  /** Renews the leases from a thread of its own while this thread is busy. */
  private readonly keeper: LeaseKeeper | null;

  constructor(private readonly options: JobServiceOptions) {
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 60_000;
    this.stopDeadlineMs = options.stopDeadlineMs ?? 10_000;
    this.lock = new QueueLock(options.db, options.statements, currentProcess(options.mode), options.leaseMs ?? 20_000);
    this.endings = new JobEndings(options.db, options.statements, this.lock.me.instance, options.logger, {
      settle: (id) => this.settleKind(this.get(id)),
      ended: (id) => {
        const job = this.get(id);
        this.follower.forget(id);
        this.options.onUpdate(job);
        this.resolveDone(job);
      },
    });
    this.timer = setInterval(() => this.tick(), options.tickMs ?? 1_000);
    this.timer.unref();
    const dbPath = options.db.name;
    this.keeper =
      dbPath && dbPath !== ':memory:'
        ? new LeaseKeeper({
            dbPath,
            instance: this.lock.me.instance,
            leaseMs: options.leaseMs ?? 20_000,
            tickMs: options.tickMs ?? 1_000,
            nativeBinding: options.sqliteBinding,
            logger: options.logger,
          })
        : null;
  }

  /** Whether this process runs the queue now. */
  get ownsQueue(): boolean {
    return this.owner;
  }

  /** Who runs this data directory's queue, in words, or null if nobody does. */
  queueHolder(): string | null {
    const held = this.lock.holder();
    return held && !ownerGone(held) ? describeOwner(held) : null;
  }

  /**
   * Registers the service that stores a job kind's results (datasets for `index`, and so on). Its
   * handlers get the job's params as stored when they do not parse (asKindAsStored): settling a
   * job must never fail for them.
   */
  handleKind<K extends JobKind>(kind: K, handler: JobKindHandler<K>): void {
    this.kindHandlers.set(kind, {
      ...(handler.onData && { onData: (job, data) => handler.onData?.(asKindAsStored(job, kind), data) }),
      ...(handler.onEnd && { onEnd: (job) => handler.onEnd?.(asKindAsStored(job, kind)) }),
      ...(handler.onRemoteUpdate && { onRemoteUpdate: (job) => handler.onRemoteUpdate?.(asKindAsStored(job, kind)) }),
    });
  }

  /**
   * Startup: takes the queue if no live process holds it, and marks failed the jobs left
   * `running` by a process that is gone (crashed or killed), saying when the engine was last
   * heard from. A job whose owner is alive (another serve, a CLI train beside this one) is left
   * alone. A full disk does not stop this: the job is left for the next start, with a warning.
   */
  recoverInterrupted(): number {
    this.takeQueueIfFree();
    const recovered = this.failJobsOfGoneOwners();
    if (this.owner) this.pump();
    return recovered;
  }

  /**
   * Writes the job ends a full disk held back, if there is room now (else leaves them for the
   * tick): a resume right after space was freed must not find its own run's ended job "running".
   */
  flushEndings(): void {
    try {
      this.endings.retryPending();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
    }
  }

  /**
   * Marks failed the jobs left `running` by a process that is gone, saying when the engine was
   * last heard from; a job whose owner is alive is left alone. Also before a resume, so a run
   * whose CLI died (a full disk, kill -9) is never refused as "already running" in a dead pid.
   */
  failJobsOfGoneOwners(): number {
    let recovered = 0;
    for (const row of this.options.statements.jobsRunning.all()) {
      if (row.owner_instance === this.lock.me.instance || !ownerGone({ host: row.owner_host, pid: row.owner_pid, lease_until: row.lease_until })) continue;
      if (row.owner_host === this.lock.me.host && killOrphanedEngine(row.engine_pid, row.id)) {
        this.options.logger.warn(`[jobs] ended the orphaned engine (pid ${row.engine_pid}) of job ${row.id}`);
      }
      const last = row.heartbeat_at ? ` Last heartbeat: ${row.heartbeat_at}.` : '';
      const who = row.owner_pid !== null ? ` The process that ran it, ${jobOwnerText(row)}, is gone.` : '';
      try {
        const ended = this.endings.endAndSettle(
          row.id,
          () =>
            this.options.statements.jobEndIfRunning.run({
              id: row.id,
              status: 'failed',
              ended_at: new Date().toISOString(),
              reason: `SegBench stopped while this job was running.${last}${who}`,
              result: null,
              cause: JSON.stringify({ kind: 'owner-gone' } satisfies JobFailureCause),
            }).changes === 1,
        );
        if (ended) recovered += 1;
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        this.options.logger.warn(
          `[jobs] could not mark the interrupted job ${row.id} failed: the disk is full. ${diskFreeText(this.options.db.name)} It is marked failed once there is room.`,
        );
      }
    }
    return recovered;
  }

  private takeQueueIfFree(): void {
    if (this.owner || this.closed) return;
    // A one-shot command takes the queue only to run its own jobs.
    if (this.options.ownJobsOnly && !this.nextToRun()) return;
    const before = this.lock.holder();
    let acquired: boolean;
    try {
      acquired = this.lock.tryAcquire();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      // Without room to write the lock this process cannot run jobs; it still opens, and tries
      // again each tick, saying so once (not every second) until it has the queue.
      if (!this.queueBlockedByDisk)
        this.options.logger.warn(
          `[jobs] cannot take the job queue: the disk is full. ${diskFreeText(this.options.db.name)} Jobs wait until there is room; this process takes the queue then.`,
        );
      this.queueBlockedByDisk = true;
      return;
    }
    if (acquired && this.queueBlockedByDisk) this.options.logger.warn('[jobs] there is room on the disk again; this process runs the job queue now');
    if (acquired) this.queueBlockedByDisk = false;
    if (acquired) {
      this.owner = true;
      // Say so only when taking over from another process (stdout may carry a CLI's JSON).
      if (before) this.options.logger.warn(`[jobs] ${describeOwner(before)} is gone; this process runs the job queue now`);
    }
  }

  list(limit = 200): Job[] {
    return this.options.statements.jobsRecent.all(limit).map(rowToJob);
  }

  get(id: string): Job {
    const row = this.options.statements.jobById.get(id);
    if (!row) throw new ApiError('NOT_FOUND', `No job with id ${id}.`);
    return rowToJob(row);
  }

  /**
   * Queued and running jobs of one kind whose params match `predicate`: what keeps a run from
   * starting twice and a dataset from being deleted under a job, so a job whose params do not
   * parse is matched on them as stored (asKindAsStored).
   */
  activeJobs<K extends JobKind>(kind: K, predicate: (params: JobParams<K>) => boolean = () => true): TypedJob<K>[] {
    return this.options.statements.jobsActive
      .all()
      .map(rowToJob)
      .filter((job) => job.kind === kind)
      .map((job) => asKindAsStored(job, kind))
      .filter((job) => predicate(job.params));
  }

  /** A job as its kind's types; NOT_FOUND or CONFLICT if it is missing or of another kind. */
  getOf<K extends JobKind>(kind: K, id: string): TypedJob<K> {
    return asKind(this.get(id), kind);
  }

  /** whenDone, typed by kind. */
  async whenDoneOf<K extends JobKind>(kind: K, id: string): Promise<TypedJob<K>> {
    return asKind(await this.whenDone(id), kind);
  }

  enqueue<K extends JobKind>(kind: K, params: JobParamsInput<K>): TypedJob<K> {
    if (this.closed) throw new ApiError('CONFLICT', 'SegBench is shutting down; no new jobs are accepted.');
    const id = randomUUID();
    this.mine.add(id);
    this.options.statements.jobInsert.run({
      id,
      kind,
      params: JSON.stringify(params),
      created_at: new Date().toISOString(),
    });
    this.takeQueueIfFree();
    this.announce(id);
    this.pump();
    // Queued whatever it holds: params main built wrong are the engine's to refuse, naming each bad field.
    return asKindAsStored(this.get(id), kind);
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
      const ended = this.endings.endAndSettle(
        id,
        () => this.options.statements.jobCancelIfQueued.run({ id, ended_at: new Date().toISOString(), reason: 'Cancelled before it started.' }).changes === 1,
      );
      if (!ended && !isFinalJobStatus(this.get(id).status)) return this.cancel(id);
      return this.get(id);
    }
    if (this.active?.id === id) {
      await this.active.supervised.stop();
      await this.whenIdleOf(id);
      return this.get(id);
    }
    // Running in another SegBench process: ask its queue owner to stop it, and wait.
    this.options.statements.jobRequestCancel.run(id);
    return this.whenDone(id);
  }

  /** Resolves with the job once it has ended, however it ended. */
  whenDone(id: string): Promise<Job> {
    const job = this.get(id);
    if (isFinalJobStatus(job.status)) return Promise.resolve(job);
    const done = this.follower.whenDone(id);
    this.refreshTimerRef();
    return done;
  }

  /** Resolves when no job is running and none is queued (in this process or another). */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    const idle = this.follower.whenIdle();
    this.refreshTimerRef();
    return idle;
  }

  private idle(): boolean {
    if (this.active) return false;
    const active = this.options.statements.jobsActive.all();
    // While this process owns the queue, a job still marked running by a live process elsewhere
    // cannot exist; a queued one would be started by pump. A one-shot command waits for its own.
    return this.options.ownJobsOnly ? !active.some((row) => this.mine.has(row.id)) : active.length === 0;
  }

  /** Stops the running job (deadline, then kill), refuses new ones and hands the queue back; for shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (this.active) await this.active.supervised.stop();
    if (this.owner) {
      this.owner = false;
      try {
        this.lock.release();
      } catch (error) {
        this.options.logger.warn(`[jobs] could not release the queue lock: ${String(error)}; another process takes over once its lease ends.`);
      }
    }
    await this.keeper?.close();
  }

  /**
   * Once a second: renew the queue lease (or take the queue over if its owner is gone), renew the
   * running job's lease, pass on a stop asked for by another process, start jobs other processes
   * queued, and announce changes made elsewhere. No failure here (a busy or full database) may
   * throw out of a timer.
   */
  private tick(): void {
    if (this.closed) return;
    this.keeper?.beat();
    try {
      this.endings.retryPending();
      if (this.owner && !this.lock.renew()) this.loseQueue();
      if (!this.owner) {
        this.takeQueueIfFree();
        if (this.owner) this.recoverInterrupted();
      }
      if (this.owner) {
        const active = this.active;
        if (active) {
          this.options.statements.jobRenewLease.run({ id: active.id, lease_until: this.lock.leaseUntil() });
          if (this.options.statements.jobById.get(active.id)?.cancel_requested === 1) void active.supervised.stop();
        }
        this.pump();
      }
      this.pollChanges();
      this.upkeepProblem = null;
    } catch (error) {
      // Said once per kind of problem, not every second while it lasts (a full disk can last hours).
      const problem = error instanceof Error ? error.message : String(error);
      if (problem !== this.upkeepProblem)
        this.options.logger.warn(`[jobs] queue upkeep failed (retried every second; said again only if the problem changes): ${problem}`);
      this.upkeepProblem = problem;
    }
    this.refreshTimerRef();
  }

  /** Another process took the queue (this one was suspended past its lease): stop our engine at once. */
  private loseQueue(): void {
    this.owner = false;
    const holder = this.lock.holder();
    this.options.logger.error(`[jobs] the job queue was taken over by ${holder ? describeOwner(holder) : 'another process'}; stopping this process's engine`);
    if (this.active) {
      void this.active.supervised.abort(
        'This SegBench process lost the job queue to another process (its lease ran out); the job was stopped so that it never runs twice.',
        { kind: 'lost-queue' },
      );
    }
  }

  /** The timer keeps the process alive only while someone here waits on jobs another process runs. */
  private refreshTimerRef(): void {
    // Also while a job's end waits for room on a full disk: the process must not exit with it unwritten.
    if ((this.follower.waiting || this.endings.waiting) && !this.active) this.timer.ref();
    else this.timer.unref();
  }

  /** Announces jobs that changed in the database since the last look (another process's work). */
  private pollChanges(): void {
    const rows = new Map(this.options.statements.jobsActive.all().map((row) => [row.id, row]));
    for (const id of this.follower.followedIds()) {
      if (!rows.has(id)) {
        const row = this.options.statements.jobById.get(id);
        if (row) rows.set(id, row);
        else this.follower.forget(id);
      }
    }
    for (const job of this.follower.changed(rows.values())) {
      if (this.active?.id === job.id) continue;
      this.options.onUpdate(job);
      try {
        this.kindHandlers.get(job.kind)?.onRemoteUpdate?.(job);
      } catch (error) {
        this.options.logger.warn(`[jobs] showing ${job.kind} job ${job.id} failed: ${String(error)}`);
      }
      if (isFinalJobStatus(job.status)) this.resolveDone(job);
    }
    if (this.follower.waitingOnIdle && this.idle()) this.follower.resolveIdle();
  }

  private async whenIdleOf(id: string): Promise<void> {
    while (this.active?.id === id) await this.active.supervised.outcome.then(() => undefined);
  }

  private pump(): void {
    if (this.active || this.closed || !this.owner) {
      return;
    }
    const next = this.nextToRun();
    if (!next) {
      this.follower.resolveIdle();
      if (this.options.ownJobsOnly) this.handOver();
      return;
    }
    this.start(next);
  }

  /** The next queued job this process may start: the first in the queue, or its own first. */
  private nextToRun(): JobRow | undefined {
    const { statements } = this.options;
    if (!this.options.ownJobsOnly) return statements.jobNextQueued.get();
    return this.mine.size === 0 ? undefined : statements.jobsQueued.all().find((row) => this.mine.has(row.id));
  }

  /**
   * A one-shot command whose own jobs are done gives the queue back at once, leaving every other
   * process's job queued: the next live process takes the queue within a tick and runs them.
   */
  private handOver(): void {
    if (!this.owner) return;
    this.owner = false;
    try {
      this.lock.release();
    } catch (error) {
      this.options.logger.warn(`[jobs] could not hand the queue back: ${String(error)}; another process takes over once its lease ends.`);
    }
  }

  private start(row: JobRow): void {
    const startedAt = Date.now();
    const { statements, logger } = this.options;
    const me = this.lock.me;
    const marked = statements.jobMarkRunning.run({
      id: row.id,
      started_at: new Date(startedAt).toISOString(),
      owner_instance: me.instance,
      owner_host: me.host,
      owner_pid: me.pid,
      owner_started_at: me.startedAt,
      owner_mode: me.mode,
      lease_until: this.lock.leaseUntil(),
    }).changes;
    if (marked === 0) return this.pump();
    this.announce(row.id);
    // Every write for a running job goes through here: a failure (a full disk above all) stops
    // the job as failed with the reason, instead of escaping from an engine message handler.
    const guarded = (what: string, write: () => void): void => {
      try {
        write();
      } catch (error) {
        logger.error(`[jobs] ${what} job ${row.id} failed: ${String(error)}`);
        if (this.failures.has(row.id)) return;
        const diskFull = isDiskFull(error);
        const failure = {
          reason: diskFull
            ? `disk full: ${diskFreeText(this.options.db.name)} The results of this job could not be stored. Free some space, then resume or start it again.`
            : `Storing the results failed: ${error instanceof Error ? error.message : String(error)}`,
          cause: { kind: 'storage', diskFull } satisfies JobFailureCause,
        };
        this.failures.set(row.id, failure);
        void supervised.abort(failure.reason, failure.cause);
      }
    };
    const supervised = superviseEngineJob(
      this.options.launcher,
      // Parsed with the kind's schema (defaults of fields added since filled in); params that do not
      // parse go as stored, and the engine refuses them naming each bad field.
      { id: row.id, kind: row.kind as JobKind, params: rowParams(row) },
      {
        onStarted: (pid) =>
          guarded('recording the engine of', () => {
            if (pid !== null) statements.jobSetPid.run({ id: row.id, engine_pid: pid });
            this.announce(row.id);
          }),
        onHeartbeat: () => guarded('recording a heartbeat of', () => statements.jobHeartbeat.run({ id: row.id, heartbeat_at: new Date().toISOString() })),
        onProgress: (done, total, message, etaSeconds) =>
          guarded('recording the progress of', () => {
            // The engine's own estimate when it sends one (training with validation), else the overall pace.
            const progress: JobProgress = {
              done,
              total,
              message,
              etaSeconds: etaSeconds !== undefined ? etaSeconds : estimateSecondsLeft(Date.now() - startedAt, done, total),
            };
            statements.jobProgress.run({ id: row.id, progress: JSON.stringify(progress), heartbeat_at: new Date().toISOString() });
            this.announce(row.id);
          }),
        onData: (data) => guarded(`storing ${row.kind} results of`, () => this.kindHandlers.get(row.kind as JobKind)?.onData?.(this.get(row.id), data)),
      },
      { heartbeatTimeoutMs: this.heartbeatTimeoutMs, stopDeadlineMs: this.stopDeadlineMs, logger },
    );
    this.active = { id: row.id, supervised };
    void supervised.outcome.then((outcome) => this.finish(row.id, outcome));
  }

  private finish(id: string, outcome: EngineOutcome): void {
    const failure = this.failures.get(id);
    this.failures.delete(id);
    this.active = null;
    try {
      if (failure) this.endings.end(id, { status: 'failed', reason: failure.reason, result: null, cause: failure.cause });
      else if (outcome.status === 'finished') this.endings.end(id, { status: 'finished', reason: null, result: outcome.result, cause: null });
      else if (outcome.status === 'failed') this.endings.end(id, { status: 'failed', reason: outcome.reason, result: null, cause: outcome.cause });
      else this.endings.end(id, { status: 'cancelled', reason: outcome.reason, result: null, cause: null });
    } catch (error) {
      this.options.logger.error(`[jobs] recording the end of job ${id} failed: ${String(error)}`);
    }
    try {
      this.pump();
    } catch (error) {
      this.options.logger.error(`[jobs] starting the next job failed: ${String(error)}`);
    }
    this.refreshTimerRef();
  }

  /** Lets the owning service settle its rows for a job that ended, whichever way it ended. */
  private settleKind(job: Job): void {
    try {
      this.kindHandlers.get(job.kind)?.onEnd?.(job);
    } catch (error) {
      this.options.logger.error(`[jobs] settling ${job.kind} job ${job.id} failed: ${String(error)}`);
    }
  }

  private resolveDone(job: Job): void {
    this.follower.resolveDone(job);
    this.refreshTimerRef();
  }

  private announce(id: string): void {
    const row = this.options.statements.jobById.get(id);
    if (!row) return;
    this.follower.noteAnnounced(row);
    this.options.onUpdate(rowToJob(row));
  }
}
