import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Job } from '../../../src-shared/jobs';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { testServices } from '../../helpers/services';
import type { AppServices } from '../../../src-main/services/app-services';

const opened: AppServices[] = [];
after(async () => {
  for (const services of opened) await services.close();
});

function open(options: Parameters<typeof testServices>[0] = {}) {
  const services = testServices(options);
  opened.push(services);
  const api = createMemoryClient(services);
  const updates: Job[] = [];
  api.on('job:update', (job) => updates.push(job));
  return { services, api, updates };
}

test('a diagnostic job runs in a separate engine process and reports progress to the end', async () => {
  const { services, api, updates } = open();
  const job = await api.invoke('jobs:startDiagnostic', { steps: 5, stepMs: 20 });
  await services.jobs.whenIdle();
  const done = await api.invoke('jobs:get', { jobId: job.id });
  assert.equal(done.status, 'finished');
  const result = done.result as { steps: number; pid: number };
  assert.equal(result.steps, 5);
  assert.notEqual(result.pid, process.pid);
  assert.equal(done.enginePid, result.pid);
  const progress = updates.filter((update) => update.status === 'running' && update.progress).map((update) => update.progress?.done);
  assert.deepEqual(progress, [1, 2, 3, 4, 5]);
  assert.equal(updates.at(-1)?.progress?.etaSeconds, 0);
});

test('jobs run one at a time in the order they were queued', async () => {
  const { services, api } = open();
  const first = await api.invoke('jobs:startDiagnostic', { steps: 3, stepMs: 30 });
  const second = await api.invoke('jobs:startDiagnostic', { steps: 2, stepMs: 10 });
  assert.equal(second.status, 'queued');
  await services.jobs.whenIdle();
  const [a, b] = [await api.invoke('jobs:get', { jobId: first.id }), await api.invoke('jobs:get', { jobId: second.id })];
  assert.equal(a.status, 'finished');
  assert.equal(b.status, 'finished');
  assert.ok(a.endedAt !== null && b.startedAt !== null && a.endedAt <= b.startedAt, 'second started after first ended');
});

test('kill -9 of the engine marks its job failed with the reason within seconds', async () => {
  const { api } = open();
  const job = await api.invoke('jobs:startDiagnostic', { steps: 1000, stepMs: 50 });
  const pid = await eventuallyAsync(async () => {
    const current = await api.invoke('jobs:get', { jobId: job.id });
    return current.progress && current.enginePid ? current.enginePid : undefined;
  });
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const failed = await eventuallyAsync(async () => {
    const current = await api.invoke('jobs:get', { jobId: job.id });
    return current.status === 'failed' ? current : undefined;
  });
  assert.ok(Date.now() - killedAt < 5_000, `marked failed after ${Date.now() - killedAt} ms`);
  assert.match(failed.reason ?? '', /killed by signal SIGKILL/);
  assert.deepEqual(failed.cause, { kind: 'signal', signal: 'SIGKILL' });
});

test("an error inside the engine fails the job with the engine's message, and the next job still runs", async () => {
  const { services, api } = open();
  const bad = await api.invoke('jobs:startDiagnostic', { steps: 5, stepMs: 10, failAtStep: 3 });
  const good = await api.invoke('jobs:startDiagnostic', { steps: 2, stepMs: 10 });
  await services.jobs.whenIdle();
  const failed = await api.invoke('jobs:get', { jobId: bad.id });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.reason, 'Diagnostic failure injected at step 3 (failAtStep).');
  assert.deepEqual(failed.cause, { kind: 'engine-error', code: 'ENGINE' });
  assert.equal((await api.invoke('jobs:get', { jobId: good.id })).status, 'finished');
});

test('an engine that stops answering is killed after the heartbeat timeout and its job fails', async () => {
  const { services, api } = open({ heartbeatTimeoutMs: 1_500 });
  const job = await api.invoke('jobs:startDiagnostic', { steps: 10, stepMs: 10, blockAtStep: 2 });
  await services.jobs.whenIdle();
  const failed = await api.invoke('jobs:get', { jobId: job.id });
  assert.equal(failed.status, 'failed');
  assert.match(failed.reason ?? '', /stopped responding \(no heartbeat/);
  assert.equal(failed.cause?.kind, 'heartbeat-timeout');
  assert.ok(services.logLines.some((line) => line.includes(`[engine job=${job.id} pid=`) && line.includes('no heartbeat')));
});

test('stop asks the engine first: a responsive engine ends the job as cancelled', async () => {
  const { api } = open();
  const job = await api.invoke('jobs:startDiagnostic', { steps: 1000, stepMs: 50 });
  await eventuallyAsync(async () => ((await api.invoke('jobs:get', { jobId: job.id })).progress ? true : undefined));
  const stopped = await api.invoke('jobs:cancel', { jobId: job.id });
  assert.equal(stopped.status, 'cancelled');
  assert.equal(stopped.reason, 'Stopped by user.');
});

test('stop kills an engine that does not answer within the deadline', async () => {
  const { api } = open({ stopDeadlineMs: 500 });
  const job = await api.invoke('jobs:startDiagnostic', { steps: 10, stepMs: 100, blockAtStep: 2 });
  await eventuallyAsync(async () => ((await api.invoke('jobs:get', { jobId: job.id })).progress ? true : undefined));
  const started = Date.now();
  const stopped = await api.invoke('jobs:cancel', { jobId: job.id });
  assert.equal(stopped.status, 'cancelled');
  assert.match(stopped.reason ?? '', /did not stop in time and was ended/);
  assert.ok(Date.now() - started < 3_000);
});

test('a queued job is cancelled without starting; a finished one cannot be stopped', async () => {
  const { services, api } = open();
  await api.invoke('jobs:startDiagnostic', { steps: 3, stepMs: 20 });
  const queued = await api.invoke('jobs:startDiagnostic', { steps: 3, stepMs: 20 });
  const cancelled = await api.invoke('jobs:cancel', { jobId: queued.id });
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.startedAt, null);
  await services.jobs.whenIdle();
  await assert.rejects(api.invoke('jobs:cancel', { jobId: queued.id }), { code: 'CONFLICT', message: /already cancelled/ });
});

test('a job left running by a crashed app is marked failed at the next start', async () => {
  const first = testServices();
  first.db
    .prepare(
      "INSERT INTO jobs (id, kind, status, params, queue_position, created_at, started_at, heartbeat_at) VALUES ('orphan', 'diagnostic', 'running', '{}', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')",
    )
    .run();
  await first.close();
  const { api } = open({ dataDir: first.dataDir });
  const job = await api.invoke('jobs:get', { jobId: 'orphan' });
  assert.equal(job.status, 'failed');
  assert.equal(job.reason, 'SegBench stopped while this job was running. Last heartbeat: 2026-01-01T00:01:00Z.');
  assert.deepEqual(job.cause, { kind: 'owner-gone' });
});

async function eventuallyAsync<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

test('the engine parses job parameters with the schema of their kind and refuses bad ones, naming the field', async () => {
  const { services } = open();
  // Written past the typed enqueue, as a corrupted row or an older SegBench would hand them over.
  const job = services.jobs.enqueue('diagnostic', { steps: 2, stepMs: 10 });
  await services.jobs.whenDone(job.id);
  services.db
    .prepare(
      'INSERT INTO jobs (id, kind, status, params, queue_position, created_at) VALUES (\'bad\', \'index\', \'queued\', \'{"datasetId":"d","thumbDir":"/t","thumbSize":"big","items":[]}\', 999, \'2026-01-01T00:00:00Z\')',
    )
    .run();
  services.jobs.enqueue('diagnostic', { steps: 1, stepMs: 1 });
  const failed = await services.jobs.whenDone('bad');
  assert.equal(failed.status, 'failed');
  assert.match(failed.reason ?? '', /^Invalid index job parameters: thumbSize: Invalid input: expected number, received string/);
  assert.deepEqual(failed.cause, { kind: 'engine-error', code: 'VALIDATION' });
});
