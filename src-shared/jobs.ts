import { z } from './zod';

/**
 * Every job kind. The names are stored in the jobs table, so one is never renamed without a
 * migration. Two are easily confused: `eval` scores one run's checkpoint on a split (counts per
 * class and image; `segbench eval`, the hard-sample ranking), `evaluate` is Compare's evaluation
 * of runs plain, with TTA and as an ensemble, stored in the evaluations table.
 */
export const jobKinds = [
  'diagnostic',
  'index',
  'sample',
  'train',
  'eval',
  'predict',
  'estimate',
  'export',
  'evaluate',
  'hash',
  'derive',
  'label-errors',
  'export-model',
  'import-model',
] as const;
export type JobKind = (typeof jobKinds)[number];

export type JobStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

const finalJobStatuses: readonly JobStatus[] = ['finished', 'failed', 'cancelled'];

export function isFinalJobStatus(status: JobStatus): boolean {
  return finalJobStatuses.includes(status);
}

/**
 * The diagnostic job exercises the whole engine path (fork, messages, progress, heartbeat, stop)
 * without tfjs. The `failAtStep` and `blockAtStep` hooks let tests provoke an engine-side error
 * and a hung engine on purpose.
 */
export const diagnosticParamsSchema = z.strictObject({
  steps: z.number().int().min(1).max(100_000).default(20),
  stepMs: z.number().int().min(0).max(60_000).default(100),
  failAtStep: z.number().int().min(1).max(100_000).optional(),
  blockAtStep: z.number().int().min(1).max(100_000).optional(),
  /** Also try every training backend in the automatic order and report each (the GPU check). */
  probeBackends: z.boolean().optional(),
});

export const jobProgressSchema = z.object({
  done: z.number(),
  total: z.number(),
  message: z.string(),
  /** Seconds left, estimated from the pace so far; null until there is a pace to go on. */
  etaSeconds: z.number().nullable(),
});
export type JobProgress = z.output<typeof jobProgressSchema>;

export interface Job {
  id: string;
  kind: JobKind;
  status: JobStatus;
  params: unknown;
  createdAt: string;
  /** Its place in the queue: queued jobs run in this order (lowest first); `jobs:move` swaps two. */
  queuePosition: number;
  startedAt: string | null;
  endedAt: string | null;
  progress: JobProgress | null;
  /** Why the job failed or was cancelled, in words for the user. */
  reason: string | null;
  result: unknown;
  enginePid: number | null;
  heartbeatAt: string | null;
  /** The SegBench process running (or that ran) the job; null while queued. */
  owner: JobOwner | null;
  /** Why a failed job failed, as data; null for jobs that did not fail. */
  cause: JobFailureCause | null;
}

/** Queued or running: a job that has not ended. */
export function isLiveJob(job: Pick<Job, 'status'>): boolean {
  return job.status === 'queued' || job.status === 'running';
}

/**
 * How many jobs run before a queued one: the running jobs and the queued ones earlier in the
 * queue (by queue position, which `jobs:move` changes, not by creation time). 0 for a job that is
 * not queued.
 */
export function jobsAhead(job: Pick<Job, 'id' | 'status' | 'queuePosition'>, jobs: readonly Pick<Job, 'id' | 'status' | 'queuePosition'>[]): number {
  if (job.status !== 'queued') return 0;
  return jobs.filter((other) => other.id !== job.id && (other.status === 'running' || (other.status === 'queued' && other.queuePosition < job.queuePosition)))
    .length;
}

/**
 * What a queued job shows instead of a progress bar: "queued, 2 ahead", or "queued, next" when
 * nothing is before it; capitalised to start a sentence or a button ("Queued, 2 ahead").
 */
export function queuedText(ahead: number, start: 'lower' | 'capital' = 'lower'): string {
  const text = ahead > 0 ? `queued, ${ahead} ahead` : 'queued, next';
  return start === 'capital' ? `Q${text.slice(1)}` : text;
}

/**
 * How a job failed. The reason beside it is for people; this is for code (a run whose engine died
 * is `crashed` and resumable, one whose engine reported an error is `failed`).
 */
export const jobFailureCauseSchema = z.discriminatedUnion('kind', [
  /** The engine caught an error and reported it, with its ApiError code. */
  z.object({ kind: z.literal('engine-error'), code: z.string() }),
  /** The engine process was killed by a signal (kill -9, the OOM killer). */
  z.object({ kind: z.literal('signal'), signal: z.string() }),
  /** The engine process exited before the job ended. */
  z.object({ kind: z.literal('exit'), code: z.number().nullable() }),
  /** V8 or the allocator gave up (SIGABRT, exit code 134). */
  z.object({ kind: z.literal('out-of-memory') }),
  /** The GPU device was lost mid-job. */
  z.object({ kind: z.literal('lost-device') }),
  /** No message from the engine for longer than the heartbeat timeout: it was killed. */
  z.object({ kind: z.literal('heartbeat-timeout'), silentSeconds: z.number() }),
  /** The SegBench process that ran the job is gone (found at startup or takeover). */
  z.object({ kind: z.literal('owner-gone') }),
  /** This process lost the job queue to another process and stopped its engine. */
  z.object({ kind: z.literal('lost-queue') }),
  /** Main could not store the job's results (a full disk, above all). */
  z.object({ kind: z.literal('storage'), diskFull: z.boolean() }),
]);
export type JobFailureCause = z.output<typeof jobFailureCauseSchema>;

/** Causes that mean the engine process died rather than reported an error. */
export function engineDied(cause: JobFailureCause | null): boolean {
  return cause !== null && ['signal', 'exit', 'out-of-memory', 'lost-device', 'heartbeat-timeout', 'owner-gone', 'lost-queue'].includes(cause.kind);
}

interface JobOwner {
  host: string;
  pid: number;
  /** serve, cli, electron or memory. */
  mode: string;
  startedAt: string;
}

/**
 * Time left from the average pace since the start: (elapsed / done) * (total - done).
 * Returns null before the first unit is done, when there is nothing to extrapolate from.
 */
export function estimateSecondsLeft(elapsedMs: number, done: number, total: number): number | null {
  if (done <= 0 || total <= 0 || elapsedMs < 0) return null;
  if (done >= total) return 0;
  return ((elapsedMs / done) * (total - done)) / 1000;
}

/** `83` -> `1m 23s`, `4000` -> `1h 6m`; for progress bars. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
