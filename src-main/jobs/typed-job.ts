import { ApiError } from '../../src-shared/errors';
import type { EngineData } from '../../src-shared/engine-protocol';
import type { JobParams, JobResult } from '../../src-shared/job-kinds';
import type { Job, JobFailureCause, JobKind, JobProgress, JobStatus } from '../../src-shared/jobs';
import type { JobRow } from '../db/statements';

/**
 * What a service that owns a job kind does with it: store the results the engine streams, and
 * settle its own rows when the job ends however it ended. Both run in main, inside its writes.
 */
export interface JobKindHandler<K extends JobKind = JobKind> {
  onData?(job: TypedJob<K>, data: EngineData): void;
  onEnd?(job: TypedJob<K>): void;
  /** A job of this kind changed in another SegBench process (it runs the queue); for live views. */
  onRemoteUpdate?(job: TypedJob<K>): void;
}

/** A job whose kind is known, with its parameters and result typed from src-shared/job-kinds. */
export type TypedJob<K extends JobKind> = Omit<Job, 'kind' | 'params' | 'result'> & { kind: K; params: JobParams<K>; result: JobResult<K> | null };

/**
 * The job as its kind's types. Rows are written only by `enqueue`, from `JobParams<K>`, and
 * results only from the engine's `JobResult<K>`: the kind check is what the types rest on, and
 * this is the one place that restores them.
 */
/** The result of a finished job; an ENGINE error if the engine reported none. */
export function resultOf<K extends JobKind>(job: TypedJob<K>): JobResult<K> {
  if (job.result === null) throw new ApiError('ENGINE', `The ${job.kind} job ${job.id} ended ${job.status} without a result${job.reason ? `: ${job.reason}` : ''}.`);
  return job.result;
}

export function asKind<K extends JobKind>(job: Job, kind: K): TypedJob<K> {
  if (job.kind !== kind) throw new ApiError('CONFLICT', `Job ${job.id} is a ${job.kind} job, not a ${kind} job.`);
  return job as TypedJob<K>;
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
    owner:
      row.owner_host !== null && row.owner_pid !== null
        ? { host: row.owner_host, pid: row.owner_pid, mode: row.owner_mode ?? '?', startedAt: row.owner_started_at ?? '' }
        : null,
    cause: parseJson(row.cause) as JobFailureCause | null,
  };
}
