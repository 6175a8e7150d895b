import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateSecondsLeft, formatDuration, isLiveJob, jobsAhead, queuedText } from '../../src-shared/jobs';
import type { Job } from '../../src-shared/jobs';
import { ApiError, toApiError } from '../../src-shared/errors';
import { unwrapReply } from '../../src-shared/wire';

test('time left extrapolates the average pace so far', () => {
  const table: [elapsedMs: number, done: number, total: number, expected: number | null][] = [
    [10_000, 1, 11, 100],
    [60_000, 30, 40, 20],
    [5_000, 10, 10, 0],
    [5_000, 0, 10, null],
    [5_000, 3, 0, null],
  ];
  for (const [elapsed, done, total, expected] of table) {
    assert.equal(estimateSecondsLeft(elapsed, done, total), expected, `${elapsed} ${done}/${total}`);
  }
});

test('durations read as a person would say them', () => {
  const table: [number, string][] = [
    [0, '0s'],
    [59.4, '59s'],
    [83, '1m 23s'],
    [3600, '1h 0m'],
    [4000, '1h 6m'],
    [-5, '0s'],
  ];
  for (const [seconds, text] of table) assert.equal(formatDuration(seconds), text);
});

test('errors keep their code across the wire; unknown failures become INTERNAL', () => {
  assert.throws(() => unwrapReply({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } }), {
    name: 'ApiError',
    code: 'NOT_FOUND',
    message: 'gone',
  });
  assert.throws(() => unwrapReply({ ok: false, error: { code: 'MADE_UP', message: 'x' } }), { code: 'INTERNAL' });
  assert.equal(unwrapReply({ ok: true, result: 3 }), 3);
  assert.deepEqual(toApiError(new Error('boom')).toJSON(), { code: 'INTERNAL', message: 'boom' });
  const kept = new ApiError('CONFLICT', 'busy');
  assert.equal(toApiError(kept), kept);
});

test('a queued job counts the running jobs and the queued ones before it in the queue, by queue position', () => {
  const job = (id: string, status: Job['status'], queuePosition: number) => ({ id, status, queuePosition });
  // c was created last but moved to the front (jobs:move): it is next after the running job.
  const jobs = [job('done', 'finished', 1), job('run', 'running', 2), job('a', 'queued', 5), job('b', 'queued', 6), job('c', 'queued', 3)];
  assert.deepEqual(
    jobs.map((j) => jobsAhead(j, jobs)),
    [0, 0, 2, 3, 1],
  );
  assert.equal(jobsAhead(job('alone', 'queued', 9), [job('alone', 'queued', 9)]), 0);
  assert.deepEqual(
    [0, 1, 3].map((n) => queuedText(n)),
    ['queued, next', 'queued, 1 ahead', 'queued, 3 ahead'],
  );
  assert.equal(queuedText(2, 'capital'), 'Queued, 2 ahead');
  assert.deepEqual(
    (['queued', 'running', 'finished', 'failed', 'cancelled'] as const).map((status) => isLiveJob({ status })),
    [true, true, false, false, false],
  );
});
