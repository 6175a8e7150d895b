import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { eventually, tempDir, testServices } from '../../helpers/services';

const fast = { tickMs: 100, leaseMs: 2_000 };

/** A pid that existed and is gone now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('two services on one data directory: one runs the queue, the other shows its jobs live, queues into it and stops them', async () => {
  const first = testServices(fast);
  const second = testServices({ ...fast, dataDir: first.dataDir });
  try {
    assert.equal(first.jobs.ownsQueue, true);
    assert.equal(second.jobs.ownsQueue, false);
    assert.match(second.logLines.join('\n'), /segbench memory \(pid \d+ on host .*\) runs this data directory's jobs/);

    const long = first.jobs.enqueue('diagnostic', { steps: 400, stepMs: 50 });
    await eventually(() => (first.jobs.get(long.id).progress ? true : undefined), 30_000, 'the first job to report progress');
    // The second service saw the running job through the database, with its owner.
    const seen: string[] = [];
    second.events.onAny((event, payload) => {
      if (event === 'job:update') seen.push((payload as { id: string }).id);
    });
    await eventually(() => (seen.includes(long.id) ? true : undefined), 5_000, 'the second service to announce the running job');
    const shown = second.jobs.get(long.id);
    assert.equal(shown.status, 'running');
    assert.deepEqual([shown.owner?.pid, shown.owner?.mode, shown.owner?.host], [process.pid, 'memory', hostname()]);

    // A job queued by the second service is run by the first, after the running one.
    const queued = second.jobs.enqueue('diagnostic', { steps: 2, stepMs: 10 });
    assert.equal(second.jobs.get(queued.id).status, 'queued');

    // Stopping from the second service reaches the engine in the first.
    const api = createMemoryClient(second);
    const stopped = await api.invoke('jobs:cancel', { jobId: long.id });
    assert.equal(stopped.status, 'cancelled');
    const done = await second.jobs.whenDone(queued.id);
    assert.equal(done.status, 'finished');
    assert.equal(done.owner?.mode, 'memory');
  } finally {
    await second.close();
    await first.close();
  }
});

test('when the queue owner closes, the other service takes the queue over and runs what waits', async () => {
  const first = testServices(fast);
  const second = testServices({ ...fast, dataDir: first.dataDir });
  try {
    const running = first.jobs.enqueue('diagnostic', { steps: 400, stepMs: 50 });
    await eventually(() => (first.jobs.get(running.id).status === 'running' ? true : undefined), 30_000);
    const waiting = second.jobs.enqueue('diagnostic', { steps: 2, stepMs: 10 });
    await first.close();
    assert.equal(second.jobs.get(running.id).status, 'cancelled');
    const done = await second.jobs.whenDone(waiting.id);
    assert.equal(done.status, 'finished');
    assert.equal(second.jobs.ownsQueue, true);
  } finally {
    await second.close();
    await first.close();
  }
});

test('startup cleanup fails only jobs whose owner is gone: a live owner keeps its job, a dead pid or an expired lease does not', async () => {
  const dataDir = tempDir();
  const seed = testServices({ dataDir });
  const insert = seed.db.prepare(
    `INSERT INTO jobs (id, kind, status, params, queue_position, created_at, started_at, heartbeat_at, owner_instance, owner_host, owner_pid, owner_started_at, owner_mode, lease_until)
     VALUES (?, 'diagnostic', 'running', '{}', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'elsewhere', ?, ?, '2026-01-01T00:00:00Z', 'serve', ?)`,
  );
  const future = Date.now() + 60_000;
  insert.run('live', 1, hostname(), process.pid, future);
  insert.run('dead-pid', 2, hostname(), deadPid(), future);
  insert.run('expired', 3, hostname(), process.pid, Date.now() - 1);
  insert.run('other-host', 4, 'another-machine', 1, future);
  await seed.close();

  const services = testServices({ dataDir });
  try {
    assert.equal(services.jobs.get('live').status, 'running');
    assert.equal(services.jobs.get('other-host').status, 'running');
    const dead = services.jobs.get('dead-pid');
    assert.equal(dead.status, 'failed');
    assert.match(
      dead.reason ?? '',
      /^SegBench stopped while this job was running\. Last heartbeat: 2026-01-01T00:01:00Z\. The process that ran it, segbench serve \(pid \d+ on host .*\), is gone\.$/,
    );
    assert.equal(services.jobs.get('expired').status, 'failed');
    assert.match(services.logLines.join('\n'), /marked 2 interrupted job\(s\) failed/);
  } finally {
    await services.close();
  }
});

test('a run whose job is alive in another process is never resumed; the refusal says where it runs', async () => {
  const services = testServices();
  try {
    services.db
      .prepare(
        `INSERT INTO jobs (id, kind, status, params, queue_position, created_at, owner_instance, owner_host, owner_pid, owner_started_at, owner_mode, lease_until)
         VALUES ('j1', 'train', 'running', '{"runId":"r1"}', 1, '2026-01-01T00:00:00Z', 'elsewhere', ?, ?, '2026-12-01T10:00:00Z', 'cli', ?)`,
      )
      .run(hostname(), process.pid, Date.now() + 60_000);
    services.db
      .prepare(
        `INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, run_dir, class_names, job_id)
         VALUES ('r1', 'busy run', NULL, 'unet', '{}', 'crashed', '2026-01-01T00:00:00Z', ?, '[]', 'j1')`,
      )
      .run(services.dataDir);
    const api = createMemoryClient(services);
    await assert.rejects(api.invoke('runs:resume', { runId: 'r1' }), {
      code: 'CONFLICT',
      message: new RegExp(
        `Run "busy run" is already running in segbench cli \\(pid ${process.pid} on host .*, since 2026-12-01T10:00:00Z\\); it cannot be resumed or started twice`,
      ),
    });
  } finally {
    await services.close();
  }
});

test('a stale queue lock left by a crashed process is taken over at once', async () => {
  const dataDir = tempDir();
  const seed = testServices({ dataDir });
  await seed.close();
  const raw = new Database(join(dataDir, 'segbench.db'));
  raw
    .prepare("INSERT INTO queue_owner (id, instance, host, pid, started_at, mode, lease_until) VALUES (1, 'crashed', ?, ?, '2026-01-01T00:00:00Z', 'serve', ?)")
    .run(hostname(), deadPid(), Date.now() + 60_000);
  raw.close();
  const next = testServices({ dataDir });
  try {
    assert.equal(next.jobs.ownsQueue, true);
    assert.match(next.logLines.join('\n'), /segbench serve \(pid \d+ on host .*\) is gone; this process runs the job queue now/);
  } finally {
    await next.close();
  }
});

test('kill -9 of the queue owner: its engine stops, and another process takes the queue over and fails the orphaned job', async () => {
  const dataDir = tempDir();
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('bench/support/queue-owner-child.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const jobId = await eventually(() => /RUNNING (\S+) ENGINE (\d+)/.exec(out)?.[1], 60_000, 'the child to run a job');
  const enginePid = Number(/ENGINE (\d+)/.exec(out)![1]);

  const watcher = testServices({ dataDir, ...fast });
  try {
    assert.equal(watcher.jobs.ownsQueue, false);
    assert.equal(watcher.jobs.get(jobId).status, 'running');
    const next = watcher.jobs.enqueue('diagnostic', { steps: 2, stepMs: 10 });
    child.kill('SIGKILL');
    const orphan = await watcher.jobs.whenDone(jobId);
    assert.equal(orphan.status, 'failed');
    assert.match(orphan.reason ?? '', /The process that ran it, segbench cli \(pid \d+ on host .*\), is gone\./);
    assert.equal((await watcher.jobs.whenDone(next.id)).status, 'finished');
    assert.equal(watcher.jobs.ownsQueue, true);
    // The orphaned engine noticed its parent was gone and exited.
    await eventually(
      () => {
        try {
          process.kill(enginePid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      10_000,
      'the orphaned engine to exit',
    );
  } finally {
    child.kill('SIGKILL');
    await watcher.close();
  }
});

test('a CLI that takes the queue after the owner died runs only its own jobs, then hands the queue back with the others still queued', async () => {
  const dataDir = tempDir();
  const seed = testServices({ dataDir });
  await seed.jobs.close();
  // Two jobs queued by a serve that was then killed with -9 (its lock row is left, its pid dead).
  const theirs = ['theirs-1', 'theirs-2'];
  const insert = seed.db.prepare(
    `INSERT INTO jobs (id, kind, status, params, queue_position, created_at) VALUES (?, 'diagnostic', 'queued', '{"steps":2,"stepMs":10}', ?, '2026-01-01T00:00:00Z')`,
  );
  theirs.forEach((id, i) => insert.run(id, i + 1));
  seed.db
    .prepare(
      "INSERT OR REPLACE INTO queue_owner (id, instance, host, pid, started_at, mode, lease_until) VALUES (1, 'killed', ?, ?, '2026-01-01T00:00:00Z', 'serve', ?)",
    )
    .run(hostname(), deadPid(), Date.now() + 60_000);
  await seed.close();

  const cli = testServices({ dataDir, ...fast, mode: 'cli' });
  try {
    assert.equal(cli.jobs.ownsQueue, false, 'a CLI with nothing of its own to run took the queue');
    const own = cli.jobs.enqueue('diagnostic', { steps: 3, stepMs: 10 });
    assert.equal(cli.jobs.ownsQueue, true);
    const done = await cli.jobs.whenDone(own.id);
    assert.equal(done.status, 'finished');
    await cli.jobs.whenIdle();
    assert.deepEqual(
      theirs.map((id) => cli.jobs.get(id).status),
      ['queued', 'queued'],
    );
    assert.equal(cli.jobs.ownsQueue, false, 'the CLI kept the queue after its own job');
    assert.equal((cli.db.prepare('SELECT COUNT(*) AS n FROM queue_owner').get() as { n: number }).n, 0, 'the lock row is gone: handed back');
  } finally {
    await cli.close();
  }
  // Closing the CLI stopped nothing; the next long-lived process runs what waits.
  const serve = testServices({ dataDir, ...fast });
  try {
    assert.equal(serve.jobs.ownsQueue, true);
    for (const id of theirs) assert.equal((await serve.jobs.whenDone(id)).status, 'finished');
  } finally {
    await serve.close();
  }
});

test('issue 27 F2: a main thread busy for longer than the lease keeps the queue and its running job; the engine is not taken for hung', async () => {
  const first = testServices({ tickMs: 100, leaseMs: 1_000, heartbeatTimeoutMs: 1_500 });
  try {
    const job = first.jobs.enqueue('diagnostic', { steps: 60, stepMs: 50 });
    await eventually(() => (first.jobs.get(job.id).progress ? true : undefined), 30_000, 'the job to report progress');
    await new Promise((done) => setTimeout(done, 300)); // the lease keeper thread is up
    // Block this thread for 3 leases, as a slow request would.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      /* busy */
    }
    const lock = first.db.prepare('SELECT instance, lease_until FROM queue_owner').get() as { lease_until: number } | undefined;
    const row = first.db.prepare('SELECT lease_until FROM jobs WHERE id = ?').get(job.id) as { lease_until: number };
    assert.ok(lock && lock.lease_until > Date.now(), 'the queue lease ran out while the main thread was busy');
    assert.ok(row.lease_until > Date.now(), "the running job's lease ran out while the main thread was busy");
    const second = testServices({ dataDir: first.dataDir, tickMs: 100, leaseMs: 1_000 });
    try {
      assert.equal(second.jobs.ownsQueue, false, 'another process took the queue of a live, busy one');
      const done = await first.jobs.whenDone(job.id);
      assert.equal(done.status, 'finished', done.reason ?? '');
    } finally {
      await second.close();
    }
  } finally {
    await first.close();
  }
});

test('issue 27 F4: a run whose job is marked running by a process that is gone is not refused as "already running": resume fails that job first', async () => {
  const services = testServices();
  try {
    services.db
      .prepare(
        `INSERT INTO jobs (id, kind, status, params, queue_position, created_at, owner_instance, owner_host, owner_pid, owner_started_at, owner_mode, lease_until)
         VALUES ('j-dead', 'train', 'running', '{"runId":"r-dead"}', 1, '2026-01-01T00:00:00Z', 'gone', ?, ?, '2026-12-01T10:00:00Z', 'cli', ?)`,
      )
      .run(hostname(), deadPid(), Date.now() + 60_000);
    services.db
      .prepare(
        `INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, run_dir, class_names, job_id)
         VALUES ('r-dead', 'orphan run', NULL, 'unet', '{"datasetId":"gone"}', 'running', '2026-01-01T00:00:00Z', ?, '[]', 'j-dead')`,
      )
      .run(join(services.dataDir, 'runs', 'r-dead'));
    const api = createMemoryClient(services);
    // Past the liveness check: the refusal is now about the missing checkpoint, not a dead pid.
    await assert.rejects(api.invoke('runs:resume', { runId: 'r-dead' }), { code: 'CONFLICT', message: /^Run "orphan run" has no checkpoint to resume from/ });
    assert.equal(services.jobs.get('j-dead').status, 'failed');
    assert.match(services.jobs.get('j-dead').reason ?? '', /The process that ran it, segbench cli \(pid \d+ on host .*\), is gone\./);
    assert.equal((await api.invoke('runs:get', { runId: 'r-dead' })).status, 'crashed');
  } finally {
    await services.close();
  }
});
