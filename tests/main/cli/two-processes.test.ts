import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import { eventually, tempDir } from '../../helpers/services';

const cli = 'src-main/cli/segbench.cjs';

interface Proc {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [cli, ...args], { stdio: 'pipe' });
  let out = '';
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, stdout: () => stdout, exit };
}

function call(url: string, method: string, payload: unknown): Promise<{ ok: boolean; error?: { code: string; message: string }; result?: unknown }> {
  const parsed = new URL(url);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${parsed.host}/api/ws`, { headers: { Authorization: `Bearer ${parsed.searchParams.get('token')}` } });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method, payload })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number };
      if (message.id === 1) {
        ws.close();
        resolve(message as { ok: boolean });
      }
    });
  });
}

function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, 'segbench.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

test('segbench train with segbench serve beside it: serve leaves the live run alone, refuses to resume it, then runs the next CLI train itself', async () => {
  const dataDir = tempDir();
  const sample = spawnSync(process.execPath, [cli, 'sample', '--count', '12', '--size', '48', '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(sample.status, 0, sample.stderr);
  const config = join(dataDir, 'tiny.json');
  writeFileSync(config, JSON.stringify({ modelOptions: { depth: 2, width: 4 }, stepsPerEpoch: 6, backend: 'wasm' }));
  const trainArgs = [
    'train',
    '--dataset',
    'Sample: synthetic land cover',
    '--epochs',
    '3',
    '--size',
    '32',
    '--batch',
    '2',
    '--config',
    config,
    '--data-dir',
    dataDir,
    '--json',
  ];

  const first = start(trainArgs);
  const runId = await eventually(() => /Run (\S+) "/.exec(first.out())?.[1], 60_000, 'the CLI to queue its run');
  await eventually(
    () => (query<{ status: string }>(dataDir, 'SELECT status FROM runs WHERE id = ?', runId)[0]?.status === 'running' ? true : undefined),
    90_000,
    'the run to start',
  );

  const serve = start(['serve', '--port', '0', '--no-sample', '--data-dir', dataDir]);
  try {
    const url = await eventually(() => /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(serve.out())?.[1], 30_000, 'serve to print its address');
    assert.doesNotMatch(serve.out(), /interrupted job/);
    assert.match(serve.out(), /segbench cli \(pid \d+ on host .*\) runs this data directory's jobs/);
    assert.equal(query<{ status: string }>(dataDir, 'SELECT status FROM runs WHERE id = ?', runId)[0]?.status, 'running');

    const resumed = await call(url, 'runs:resume', { runId });
    assert.equal(resumed.ok, false);
    assert.equal(resumed.error?.code, 'CONFLICT');
    assert.match(resumed.error?.message ?? '', /is already running in segbench cli \(pid \d+ on host .*\); it cannot be resumed or started twice/);

    // Issue 27 F1: a run started over serve's WebSocket while the CLI holds the queue waits in
    // it. When the CLI's own run ends, the CLI must hand the queue over, not start serve's run
    // and then stop it on exit ("Stopped by user.", 0 epochs, nothing to resume).
    const datasetId = query<{ id: string }>(dataDir, 'SELECT id FROM datasets')[0]!.id;
    const served = await call(url, 'runs:start', {
      datasetId,
      name: 'queued by serve',
      epochs: 2,
      inputSize: 32,
      batchSize: 2,
      stepsPerEpoch: 4,
      backend: 'wasm',
      modelOptions: { depth: 2, width: 4 },
    });
    assert.equal(served.ok, true, JSON.stringify(served.error));
    const servedRun = (served.result as { id: string }).id;
    assert.equal(query<{ status: string }>(dataDir, 'SELECT status FROM runs WHERE id = ?', servedRun)[0]?.status, 'queued');

    assert.equal(await first.exit, 0, first.out());
    const summary = JSON.parse(first.stdout()) as { status: string; epochs: number };
    assert.deepEqual([summary.status, summary.epochs], ['finished', 3]);
    const servedJob = () =>
      query<{ status: string; owner_mode: string | null; reason: string | null }>(
        dataDir,
        'SELECT j.status, j.owner_mode, j.reason FROM jobs j JOIN runs r ON r.job_id = j.id WHERE r.id = ?',
        servedRun,
      )[0];
    assert.notEqual(servedJob()?.owner_mode, 'cli', 'the CLI started a job it did not queue');
    const servedDone = await eventually(
      () => (servedJob()?.status === 'finished' || servedJob()?.status === 'cancelled' || servedJob()?.status === 'failed' ? servedJob() : undefined),
      120_000,
      "serve's run to end",
    );
    assert.deepEqual([servedDone?.status, servedDone?.owner_mode], ['finished', 'serve'], servedDone?.reason ?? '');
    assert.equal(query<{ n: number }>(dataDir, 'SELECT COUNT(*) AS n FROM run_epochs WHERE run_id = ?', servedRun)[0]?.n, 2);
    const epochs = query<{ n: number; uniq: number }>(
      dataDir,
      'SELECT COUNT(*) AS n, COUNT(DISTINCT epoch) AS uniq FROM run_epochs WHERE run_id = ?',
      runId,
    )[0];
    assert.deepEqual([epochs?.n, epochs?.uniq], [3, 3]);

    // The CLI handed the queue back when it exited; serve takes it within a second and runs the
    // next CLI train, which follows it.
    await eventually(
      () => (query<{ mode: string }>(dataDir, 'SELECT mode FROM queue_owner')[0]?.mode === 'serve' ? true : undefined),
      10_000,
      'serve to take the queue',
    );
    const second = start(trainArgs);
    assert.equal(await second.exit, 0, second.out());
    assert.match(second.out(), /segbench serve \(pid \d+ on host .*\) runs this data directory's jobs; it trains this run/);
    const secondSummary = JSON.parse(second.stdout()) as { status: string; epochs: number; runId: string };
    assert.deepEqual([secondSummary.status, secondSummary.epochs], ['finished', 3]);
    const owner = query<{ owner_mode: string }>(
      dataDir,
      'SELECT j.owner_mode FROM jobs j JOIN runs r ON r.job_id = j.id WHERE r.id = ?',
      secondSummary.runId,
    )[0];
    assert.equal(owner?.owner_mode, 'serve');
    // A sample made while serve runs the queue: serve generates and imports it, the CLI follows and prints the report.
    const kelp = spawnSync(process.execPath, [cli, 'sample', '--multispectral', '--count', '4', '--size', '48', '--data-dir', dataDir], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(kelp.status, 0, kelp.stderr);
    assert.match(kelp.stdout, /Dataset "Sample: synthetic kelp \(7-band GeoTIFF\)" \(\S+\): ready/);
    assert.match(kelp.stdout, /Indexed: 4 of 4; problems: 0\nBands: 7 x uint16/);
    assert.equal(query<{ integrity_check: string }>(dataDir, 'PRAGMA integrity_check')[0]?.integrity_check, 'ok');
  } finally {
    serve.child.kill('SIGTERM');
    first.child.kill('SIGKILL');
    await serve.exit;
  }
});
