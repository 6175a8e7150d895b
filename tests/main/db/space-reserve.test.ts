import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { reserveBytes, reserveName } from '../../../src-main/db/space-reserve';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { fillDisk, unfillDisk } from '../../helpers/full-disk';
import { eventually, tempDir, testServices } from '../../helpers/services';

// Issue 27 F4, F7, F14 on a real full disk: a 24 MB tmpfs (root with CAP_SYS_ADMIN, as CI and the
// dev machines have; elsewhere skipped, saying why).
let mountPoint = '';
let skip: string | false = false;
const cli = 'src-main/cli/segbench.cjs';

before(() => {
  mountPoint = tempDir('segbench-reserve-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    skip = `cannot mount a 24 MB tmpfs here (${String((error as Error).message).split('\n')[0]})`;
  }
});
after(() => {
  if (!skip) execFileSync('umount', ['-l', mountPoint]);
});

test('F7: on a 100% full disk after a clean shutdown the app still opens (its space reserve is released) and says why', async (t) => {
  if (skip) return t.skip(skip);
  const dataDir = join(mountPoint, 'open');
  mkdirSync(dataDir);
  const first = testServices({ dataDir });
  assert.equal(statSync(join(dataDir, reserveName)).size, reserveBytes, 'a data directory with room keeps a reserve');
  await first.close();
  assert.equal(existsSync(join(dataDir, 'segbench.db-shm')), false, 'a clean shutdown leaves no shared-memory index');
  const filler = fillDisk(mountPoint);
  try {
    const opened = testServices({ dataDir });
    try {
      assert.match(
        opened.logLines.join('\n'),
        /the disk is full \([\d.]+ MB free on the disk of .*\); SegBench released its 1 MB space reserve to open the database/,
      );
      const api = createMemoryClient(opened);
      assert.deepEqual(await api.invoke('datasets:list', {}), []);
      assert.equal(existsSync(join(dataDir, reserveName)), false);
    } finally {
      await opened.close();
    }
  } finally {
    unfillDisk(filler);
  }
  // With room again, the next start keeps a reserve again.
  const roomy = testServices({ dataDir });
  await roomy.close();
  assert.equal(existsSync(join(dataDir, reserveName)), true);
});

test('F14: a process that cannot take the queue for a full disk says so once, not every second, and takes it when there is room', async (t) => {
  if (skip) return t.skip(skip);
  const dataDir = join(mountPoint, 'quiet');
  mkdirSync(dataDir);
  const seed = testServices({ dataDir });
  await seed.close();
  // A live-looking owner whose lease runs out in a second.
  const raw = new Database(join(dataDir, 'segbench.db'));
  raw
    .prepare(
      "INSERT OR REPLACE INTO queue_owner (id, instance, host, pid, started_at, mode, lease_until) VALUES (1, 'other', 'another-host', 1, '2026-01-01T00:00:00Z', 'serve', ?)",
    )
    .run(Date.now() + 1_000);
  raw.close();
  const waiting = testServices({ dataDir, tickMs: 50 });
  let filler = '';
  try {
    assert.equal(waiting.jobs.ownsQueue, false);
    rmSync(join(dataDir, reserveName), { force: true });
    filler = fillDisk(mountPoint);
    // Empty the WAL so that the next write needs new blocks.
    waiting.db.pragma('wal_checkpoint(TRUNCATE)');
    const more = fillDisk(mountPoint);
    await new Promise((done) => setTimeout(done, 2_500));
    const said = waiting.logLines.filter((l) => /cannot take the job queue: the disk is full/.test(l));
    t.diagnostic(`log: ${waiting.logLines.join(' | ')}`);
    assert.equal(said.length, 1, 'said once over 30 ticks');
    unfillDisk(more);
    unfillDisk(filler);
    filler = '';
    await eventually(() => (waiting.jobs.ownsQueue ? true : undefined), 10_000, 'the queue to be taken');
    assert.match(waiting.logLines.join('\n'), /there is room on the disk again; this process runs the job queue now/);
  } finally {
    if (filler) unfillDisk(filler);
    await waiting.close();
  }
});

test('F4: a disk that fills during a CLI run: the run fails as "disk full" (the reserve records it) and the CLI exits 1, leaving no run "running" in a dead process', async (t) => {
  if (skip) return t.skip(skip);
  const dataDir = join(mountPoint, 'cli');
  mkdirSync(dataDir);
  const sample = spawnSync(process.execPath, [cli, 'sample', '--count', '8', '--size', '48', '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(sample.status, 0, sample.stderr);
  const child = spawn(
    process.execPath,
    [cli, 'train', '--dataset', 'Sample: synthetic land cover', '--epochs', '400', '--size', '32', '--batch', '2', '--data-dir', dataDir, '--json'],
    { stdio: 'pipe' },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const runId = await eventually(() => /Run (\S+) "/.exec(out)?.[1], 60_000, 'the CLI to queue its run');
  const steps = (): number => {
    const db = new Database(join(dataDir, 'segbench.db'), { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM run_steps WHERE run_id = ?').get(runId) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  await eventually(() => (steps() > 0 ? true : undefined), 120_000, 'the first steps');
  let filler = fillDisk(mountPoint);
  try {
    const code = await exit;
    t.diagnostic(out.slice(-600));
    assert.equal(code, 1, 'a run that failed must not exit 0');
    const summary = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as { status: string; reason: string };
    assert.equal(summary.status, 'failed');
    assert.match(summary.reason, /^disk full: /);
  } finally {
    unfillDisk(filler);
    filler = '';
  }
  const db = new Database(join(dataDir, 'segbench.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT r.status, j.status AS job FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = ?').get(runId) as {
      status: string;
      job: string;
    };
    assert.deepEqual([row.status, row.job], ['failed', 'failed']);
  } finally {
    db.close();
  }
});
