import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, schemaVersion } from '../../../src-main/db/connection';
import { latestSchemaVersion, migrations } from '../../../src-main/db/migrations';
import { ApiError } from '../../../src-shared/errors';
import { tempDir } from '../../helpers/services';

test('an empty file is migrated to the latest schema with WAL and foreign keys on', () => {
  const file = join(tempDir(), 'segbench.db');
  const db = openDatabase(file);
  assert.equal(schemaVersion(db), latestSchemaVersion);
  assert.equal(latestSchemaVersion, migrations.length);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);
  assert.deepEqual(tables, [
    'datasets',
    'evaluations',
    'hard_sample_weights',
    'image_classes',
    'image_signatures',
    'image_values',
    'images',
    'jobs',
    'label_check_images',
    'label_checks',
    'mask_revision_moves',
    'mask_revisions',
    'pseudo_label_sets',
    'queue_owner',
    'run_class_counts',
    'run_epochs',
    'run_events',
    'run_image_counts',
    'run_prediction_images',
    'run_predictions',
    'run_steps',
    'runs',
    'settings',
  ]);
  db.close();
});

test('a file at version 1 upgrades step by step and keeps its rows', () => {
  const file = join(tempDir(), 'segbench.db');
  const first = openDatabase(file, { migrations: migrations.slice(0, 1) });
  assert.equal(schemaVersion(first), 1);
  first.prepare("INSERT INTO settings (key, value) VALUES ('theme', '\"dark\"')").run();
  first.close();

  const upgraded = openDatabase(file);
  assert.equal(schemaVersion(upgraded), latestSchemaVersion);
  assert.equal(upgraded.prepare("SELECT value FROM settings WHERE key = 'theme'").pluck().get(), '"dark"');
  upgraded.close();
});

test('a failing migration rolls back whole: the version and the tables stay as they were', () => {
  const file = join(tempDir(), 'segbench.db');
  openDatabase(file, { migrations: migrations.slice(0, 1) }).close();
  const broken = [...migrations.slice(0, 1), { version: 2, description: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM nope;' }];
  assert.throws(() => openDatabase(file, { migrations: broken }), /no such table: nope/);
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  assert.equal(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").pluck().get(), 0);
  db.close();
});

test('a database from a newer SegBench is refused with a clear message and left byte-identical', () => {
  const file = join(tempDir(), 'segbench.db');
  const future = new Database(file);
  future.exec('CREATE TABLE from_the_future (x INTEGER)');
  future.pragma(`user_version = ${latestSchemaVersion + 5}`);
  future.close();
  const before = readFileSync(file);

  assert.throws(
    () => openDatabase(file),
    (error: unknown) =>
      error instanceof ApiError &&
      error.code === 'DB_TOO_NEW' &&
      error.message.includes(`schema version ${latestSchemaVersion + 5}`) &&
      error.message.includes('update SegBench'),
  );
  assert.deepEqual(readFileSync(file), before);
});

test('foreign keys hold: an image cannot point at a missing dataset', () => {
  const db = openDatabase(join(tempDir(), 'segbench.db'));
  assert.throws(
    () => db.prepare("INSERT INTO images (dataset_id, stem, image_path, mask_path) VALUES ('missing', 'a', 'a.jpg', 'a.png')").run(),
    /FOREIGN KEY constraint failed/,
  );
  db.close();
});

test('a transaction that reads, then writes, survives another connection committing in between: it holds the write lock from its start', () => {
  const file = join(tempDir(), 'segbench.db');
  const db = openDatabase(file);
  // Another connection to the same file, as the lease keeper's worker thread has.
  const other = new Database(file);
  other.pragma('busy_timeout = 0');
  let otherWrote: boolean | null = null;
  const seen = db.transaction(() => {
    const before = db.prepare('SELECT COUNT(*) FROM settings').pluck().get() as number;
    try {
      other.prepare("INSERT INTO settings (key, value) VALUES ('other', '1')").run();
      otherWrote = true;
    } catch {
      otherWrote = false;
    }
    db.prepare("INSERT INTO settings (key, value) VALUES ('mine', '1')").run();
    return before;
  })();
  assert.equal(seen, 0);
  // The other connection waited for this one's lock (here: refused at once, its timeout 0);
  // with a deferred transaction it would have committed, and this one failed with SQLITE_BUSY.
  assert.equal(otherWrote, false);
  assert.deepEqual(db.prepare('SELECT key FROM settings ORDER BY key').pluck().all(), ['mine']);
  other.close();
  db.close();
});
