import type { Db } from './connection';
import { prepareDatasetStatements } from './dataset-statements';
import { prepareRunStatements } from './run-statements';
import { prepareInspectStatements } from './inspect-statements';

/** Row shapes as SQLite returns them (snake_case, JSON as text). */
export interface JobRow {
  id: string;
  kind: string;
  status: string;
  params: string;
  queue_position: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  progress: string | null;
  reason: string | null;
  result: string | null;
  engine_pid: number | null;
  heartbeat_at: string | null;
  owner_instance: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  owner_started_at: string | null;
  owner_mode: string | null;
  lease_until: number | null;
  cancel_requested: number;
  cause: string | null;
}

export interface QueueOwnerRow {
  instance: string;
  host: string;
  pid: number;
  started_at: string;
  mode: string;
  lease_until: number;
}

/** What queueOwnerPut writes: the whole row. */
type OwnerParams = QueueOwnerRow;

/**
 * Every SQL statement the app runs, prepared once and named. Services receive this object, so
 * the SQL lives in one place and tests can run it against a temp file.
 */
export function prepareStatements(db: Db) {
  return {
    ...prepareDatasetStatements(db),
    ...prepareRunStatements(db),
    ...prepareInspectStatements(db),
    settingGet: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    settingsAll: db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings'),
    settingsPut: db.prepare<{ key: string; value: string }>(
      'INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),

    jobInsert: db.prepare<Pick<JobRow, 'id' | 'kind' | 'params' | 'created_at'>>(
      `INSERT INTO jobs (id, kind, status, params, queue_position, created_at)
       VALUES (@id, @kind, 'queued', @params, (SELECT COALESCE(MAX(queue_position), 0) + 1 FROM jobs), @created_at)`,
    ),
    jobById: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    jobsRecent: db.prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY created_at DESC, queue_position DESC LIMIT ?'),
    jobNextQueued: db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status = 'queued' ORDER BY queue_position LIMIT 1"),
    jobsRunning: db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status = 'running'"),
    jobsQueued: db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status = 'queued' ORDER BY queue_position"),
    jobSetPosition: db.prepare<{ id: string; queue_position: number }>('UPDATE jobs SET queue_position = @queue_position WHERE id = @id'),
    jobMarkRunning: db.prepare<{
      id: string;
      started_at: string;
      owner_instance: string;
      owner_host: string;
      owner_pid: number;
      owner_started_at: string;
      owner_mode: string;
      lease_until: number;
    }>(
      `UPDATE jobs SET status = 'running', started_at = @started_at, engine_pid = NULL, heartbeat_at = @started_at,
         owner_instance = @owner_instance, owner_host = @owner_host, owner_pid = @owner_pid, owner_started_at = @owner_started_at, owner_mode = @owner_mode, lease_until = @lease_until
       WHERE id = @id AND status = 'queued'`,
    ),
    jobRenewLease: db.prepare<{ id: string; lease_until: number }>("UPDATE jobs SET lease_until = @lease_until WHERE id = @id AND status = 'running'"),
    jobRequestCancel: db.prepare<[string]>("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'"),
    jobsActive: db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status IN ('queued', 'running')"),
    /** Ends a job left running by a process that is gone; only if it is still running (two processes may race). */
    jobEndIfRunning: db.prepare<{ id: string; status: string; ended_at: string; reason: string | null; result: string | null; cause: string | null }>(
      "UPDATE jobs SET status = @status, ended_at = @ended_at, reason = @reason, result = @result, cause = @cause WHERE id = @id AND status = 'running'",
    ),
    jobCancelIfQueued: db.prepare<{ id: string; ended_at: string; reason: string }>(
      "UPDATE jobs SET status = 'cancelled', ended_at = @ended_at, reason = @reason WHERE id = @id AND status = 'queued'",
    ),
    queueOwner: db.prepare<[], QueueOwnerRow>('SELECT * FROM queue_owner WHERE id = 1'),
    queueOwnerPut: db.prepare<OwnerParams>(
      `INSERT INTO queue_owner (id, instance, host, pid, started_at, mode, lease_until) VALUES (1, @instance, @host, @pid, @started_at, @mode, @lease_until)
       ON CONFLICT(id) DO UPDATE SET instance = excluded.instance, host = excluded.host, pid = excluded.pid,
         started_at = excluded.started_at, mode = excluded.mode, lease_until = excluded.lease_until`,
    ),
    queueOwnerRenew: db.prepare<{ instance: string; lease_until: number }>(
      'UPDATE queue_owner SET lease_until = @lease_until WHERE id = 1 AND instance = @instance',
    ),
    queueOwnerRelease: db.prepare<[string]>('DELETE FROM queue_owner WHERE id = 1 AND instance = ?'),
    jobSetPid: db.prepare<{ id: string; engine_pid: number }>('UPDATE jobs SET engine_pid = @engine_pid WHERE id = @id'),
    jobHeartbeat: db.prepare<{ id: string; heartbeat_at: string }>('UPDATE jobs SET heartbeat_at = @heartbeat_at WHERE id = @id'),
    jobProgress: db.prepare<{ id: string; progress: string; heartbeat_at: string }>(
      'UPDATE jobs SET progress = @progress, heartbeat_at = @heartbeat_at WHERE id = @id',
    ),
    /** Ends a job this service instance runs (never one another process has since taken over). */
    jobEndOwned: db.prepare<{
      id: string;
      instance: string;
      status: string;
      ended_at: string;
      reason: string | null;
      result: string | null;
      cause: string | null;
    }>(
      "UPDATE jobs SET status = @status, ended_at = @ended_at, reason = @reason, result = @result, cause = @cause WHERE id = @id AND status = 'running' AND owner_instance = @instance",
    ),
    jobEnd: db.prepare<{ id: string; status: string; ended_at: string; reason: string | null; result: string | null }>(
      'UPDATE jobs SET status = @status, ended_at = @ended_at, reason = @reason, result = @result WHERE id = @id',
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
