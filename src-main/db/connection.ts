import Database from 'better-sqlite3';
import { ApiError } from '../../src-shared/errors';
import { latestSchemaVersion, migrations } from './migrations';
import type { Migration } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** Migrations to apply; tests pass a shorter or broken list to exercise upgrades. */
  migrations?: readonly Migration[];
  /** A better-sqlite3 addon built for another ABI (Electron run from source). */
  nativeBinding?: string | undefined;
}

/**
 * Opens (creating if needed) the SegBench database: WAL journal, foreign keys on, migrated to the
 * latest schema. A file written by a newer SegBench is refused untouched, never downgraded.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const steps = options.migrations ?? migrations;
  const latest = steps[steps.length - 1]?.version ?? 0;
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    const found = schemaVersion(db);
    if (found > latest) {
      throw new ApiError(
        'DB_TOO_NEW',
        `The database ${file} has schema version ${found}, but this SegBench knows versions up to ${latest}. ` +
          'It was written by a newer SegBench; update SegBench, or choose another data directory. The file was not changed.',
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db, steps);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, steps: readonly Migration[]): void {
  const current = schemaVersion(db);
  for (const step of steps) {
    if (step.version <= current) continue;
    db.transaction(() => {
      db.exec(step.sql);
      // user_version takes no bound parameter; the value is an integer from our own list.
      db.pragma(`user_version = ${Math.trunc(step.version)}`);
    })();
  }
}

export { latestSchemaVersion };
