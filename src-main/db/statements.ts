import type { Db } from './connection';
import { prepareDatasetStatements } from './dataset-statements';
import { prepareRunStatements } from './run-statements';

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
}

/**
 * Every SQL statement the app runs, prepared once and named. Services receive this object, so
 * the SQL lives in one place and tests can run it against a temp file.
 */
export function prepareStatements(db: Db) {
  return {
    ...prepareDatasetStatements(db),
    ...prepareRunStatements(db),
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
    jobNextQueued: db.prepare<[], JobRow>(
      "SELECT * FROM jobs WHERE status = 'queued' ORDER BY queue_position LIMIT 1",
    ),
    jobsRunning: db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status = 'running'"),
    jobsQueued: db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status = 'queued' ORDER BY queue_position"),
    jobSetPosition: db.prepare<{ id: string; queue_position: number }>('UPDATE jobs SET queue_position = @queue_position WHERE id = @id'),
    jobMarkRunning: db.prepare<{ id: string; started_at: string; engine_pid: number | null }>(
      "UPDATE jobs SET status = 'running', started_at = @started_at, engine_pid = @engine_pid, heartbeat_at = @started_at WHERE id = @id",
    ),
    jobSetPid: db.prepare<{ id: string; engine_pid: number }>('UPDATE jobs SET engine_pid = @engine_pid WHERE id = @id'),
    jobHeartbeat: db.prepare<{ id: string; heartbeat_at: string }>(
      'UPDATE jobs SET heartbeat_at = @heartbeat_at WHERE id = @id',
    ),
    jobProgress: db.prepare<{ id: string; progress: string; heartbeat_at: string }>(
      'UPDATE jobs SET progress = @progress, heartbeat_at = @heartbeat_at WHERE id = @id',
    ),
    jobEnd: db.prepare<{ id: string; status: string; ended_at: string; reason: string | null; result: string | null }>(
      'UPDATE jobs SET status = @status, ended_at = @ended_at, reason = @reason, result = @result WHERE id = @id',
    ),

  };
}

export type Statements = ReturnType<typeof prepareStatements>;
