/**
 * Numbered migrations. `PRAGMA user_version` holds the number of the last one applied; each runs
 * in its own transaction with the version bump, so a file is never left between two versions.
 * Append only: never edit a migration that has shipped.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'settings and engine jobs',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','finished','failed','cancelled')),
        params TEXT NOT NULL,
        queue_position INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        progress TEXT,
        reason TEXT,
        result TEXT,
        engine_pid INTEGER,
        heartbeat_at TEXT
      ) STRICT;
      CREATE INDEX jobs_status ON jobs(status, queue_position);
    `,
  },
  {
    version: 2,
    description: 'datasets, images and runs (catalogue skeleton)',
    sql: `
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        images_dir TEXT NOT NULL,
        masks_dir TEXT NOT NULL,
        classes TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL DEFAULT 'indexing' CHECK (state IN ('indexing','ready','incomplete')),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        stem TEXT NOT NULL,
        image_path TEXT NOT NULL,
        mask_path TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        split TEXT,
        UNIQUE (dataset_id, stem)
      ) STRICT;

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id TEXT REFERENCES datasets(id) ON DELETE SET NULL,
        job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
        model TEXT NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1]?.version ?? 0;
