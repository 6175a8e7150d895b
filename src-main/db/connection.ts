import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../../src-shared/errors';
import { migrations } from './migrations';
import type { Migration } from './migrations';

export type Db = Database.Database;

interface OpenOptions {
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
  let db: Db;
  try {
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (error) {
    throw explainOpenError(error, file);
  }
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
    beginImmediate(db);
    migrate(db, steps);
    return db;
  } catch (error) {
    db.close();
    throw explainOpenError(error, file);
  }
}

/**
 * Makes every `db.transaction(...)` begin IMMEDIATE: it takes the write lock at its start, waiting
 * up to busy_timeout for another writer. A deferred transaction that reads first and writes later
 * fails at once with SQLITE_BUSY ("database is locked", no wait) when another connection commits
 * in between, since its snapshot is stale: the lease keeper's own connection renews leases every
 * second, so a split of 72 images (read the rows, then write each one) failed that way in CI.
 */
function beginImmediate(db: Db): void {
  const deferred = db.transaction.bind(db);
  const immediate = <F extends (...args: never[]) => unknown>(fn: F) => {
    const transaction = deferred(fn);
    return Object.assign((...args: never[]) => (transaction.immediate as (...a: never[]) => unknown)(...args), {
      default: transaction.immediate,
      deferred: transaction.deferred,
      immediate: transaction.immediate,
      exclusive: transaction.exclusive,
    });
  };
  db.transaction = immediate as unknown as Db['transaction'];
}

/** SQLite's codes for a file that is no database, a damaged one, or no room to open it, said plainly. */
function explainOpenError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new ApiError(
      'STORAGE',
      `${file} is not a SegBench database (SQLite says: ${(error as Error).message}). It was left untouched. ` +
        "Move or rename it to start with an empty database there (your datasets' image folders are not inside it), " +
        'restore it from a backup, or pass --data-dir to use another data directory.',
    );
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_SHMSIZE' || code === 'SQLITE_CANTOPEN') {
    return new ApiError(
      'STORAGE',
      `Cannot open the database ${file}: ${(error as Error).message}. ${diskFreeText(file)} Free some space there, or pass --data-dir to use another data directory.`,
    );
  }
  return error;
}

/** "N MB free on the disk of FILE", or nothing where the disk cannot be asked. */
export function diskFreeText(path: string): string {
  const free = freeBytes(path);
  return free === null ? '' : `${(free / 2 ** 20).toFixed(1)} MB free on the disk of ${path}.`;
}

export function freeBytes(path: string): number | null {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    } catch {
      if (dirname(dir) === dir) return null;
    }
  }
}

/** True for SQLite's and the file system's ways of saying the disk is full. */
export function isDiskFull(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return (
    code === 'SQLITE_FULL' ||
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    /database or disk is full|no space left/i.test(String((error as Error | null)?.message ?? ''))
  );
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
