import { ApiError } from '../../src-shared/errors';
import type { EngineData } from '../../src-shared/engine-protocol';
import { jobParamSchemas } from '../../src-shared/job-kinds';
import type { JobParams, JobResult } from '../../src-shared/job-kinds';
import { jobFailureCauseSchema, jobKinds, jobProgressSchema } from '../../src-shared/jobs';
import type { Job, JobKind, JobStatus } from '../../src-shared/jobs';
import { parseStored, parseStoredOrNull } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
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

/** The result of a finished job; an ENGINE error if the engine reported none. */
export function resultOf<K extends JobKind>(job: TypedJob<K>): JobResult<K> {
  if (job.result === null)
    throw new ApiError('ENGINE', `The ${job.kind} job ${job.id} ended ${job.status} without a result${job.reason ? `: ${job.reason}` : ''}.`);
  return job.result;
}

/**
 * The job as its kind's types, for work made from its params (a resume, an evaluation). rowToJob
 * parsed them with the kind's schema; params that did not parse are a STORAGE error here.
 * Results are written only from the engine's `JobResult<K>`. The kind check is what the types
 * rest on, and this and asKindAsStored are the one place that restores them.
 */
export function asKind<K extends JobKind>(job: Job, kind: K): TypedJob<K> {
  const typed = asKindAsStored(job, kind);
  const problem = unreadable.get(job);
  if (problem !== undefined) throw new ApiError('STORAGE', problem);
  return typed;
}

/**
 * asKind for settling and guarding: a job's kind handlers (a run marked crashed, a dataset's index
 * job cleared) and the busy checks (activeJobs) need only its ids, and must see every job. One
 * whose params do not parse keeps them as stored here, so its run or dataset never stays running
 * for it, and a run is never resumed beside it; the engine refuses to run it, naming each bad field.
 */
export function asKindAsStored<K extends JobKind>(job: Job, kind: K): TypedJob<K> {
  if (job.kind !== kind) throw new ApiError('CONFLICT', `Job ${job.id} is a ${job.kind} job, not a ${kind} job.`);
  return job as TypedJob<K>;
}

/** A row's params as read: its kind's schema's output, or the stored value and why it is not that. */
type ReadParams = { ok: true; params: unknown } | { ok: false; stored: unknown; problem: string };

/**
 * Params read lately, by job id. A running job is read again at every progress message and every
 * batch of results, and a train or index job's params list thousands of images: they are parsed
 * once. A job's params never change after enqueue; the text is compared all the same.
 */
const recentParams = new Map<string, { text: string; read: ReadParams }>();
const recentParamsLimit = 8;

/** Jobs whose params did not parse, with why: shown as stored, refused as their kind's types (asKind). */
const unreadable = new WeakMap<Job, string>();

const isJobKind = (kind: string): kind is JobKind => (jobKinds as readonly string[]).includes(kind);

function readParams(row: JobRow): ReadParams {
  const cached = recentParams.get(row.id);
  if (cached?.text === row.params) return cached.read;
  const what = `${row.kind} job ${row.id}'s parameter record`;
  let read: ReadParams;
  try {
    if (!isJobKind(row.kind)) throw new ApiError('STORAGE', `Job ${row.id} is of kind "${row.kind}", which this SegBench does not know.`);
    const schema: z.ZodType = jobParamSchemas[row.kind];
    read = { ok: true, params: parseStored(schema, row.params, what) };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    let stored: unknown = row.params;
    try {
      stored = parseStored(z.unknown(), row.params, what);
    } catch {
      // Not JSON at all: the text as it is.
    }
    read = { ok: false, stored, problem: error.message };
  }
  recentParams.delete(row.id);
  recentParams.set(row.id, { text: row.params, read });
  if (recentParams.size > recentParamsLimit) recentParams.delete(recentParams.keys().next().value!);
  return read;
}

/**
 * A job row's params, parsed with its kind's schema (jobParamSchemas): a config stored by an
 * older SegBench gets the defaults of every field added since. Params that do not parse are
 * returned as stored, so the job still shows and the engine refuses it naming each bad field.
 */
export function rowParams(row: JobRow): unknown {
  const read = readParams(row);
  return read.ok ? read.params : read.stored;
}

export function rowToJob(row: JobRow): Job {
  const read = readParams(row);
  const job: Job = {
    id: row.id,
    kind: row.kind as JobKind,
    status: row.status as JobStatus,
    params: read.ok ? read.params : read.stored,
    createdAt: row.created_at,
    queuePosition: row.queue_position,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    progress: parseStoredOrNull(jobProgressSchema, row.progress, `job ${row.id}'s progress`),
    reason: row.reason,
    // Typed by its kind where it is used (resultOf); written only from the engine's JobResult<K>.
    result: parseStoredOrNull(z.unknown(), row.result, `job ${row.id}'s result`),
    enginePid: row.engine_pid,
    heartbeatAt: row.heartbeat_at,
    owner:
      row.owner_host !== null && row.owner_pid !== null
        ? { host: row.owner_host, pid: row.owner_pid, mode: row.owner_mode ?? '?', startedAt: row.owner_started_at ?? '' }
        : null,
    cause: parseStoredOrNull(jobFailureCauseSchema, row.cause, `job ${row.id}'s failure cause`),
  };
  if (!read.ok) unreadable.set(job, read.problem);
  return job;
}
