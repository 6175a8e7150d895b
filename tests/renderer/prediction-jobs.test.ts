import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from '../../src-shared/jobs';
import { folderPredictionText, predictButtonText, splitPredictionJob } from '../../src-renderer/pages/inspect/prediction-jobs';

function job(id: string, status: Job['status'], queuePosition: number, params: unknown, extra: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'predict',
    status,
    params,
    createdAt: '2026-12-03T10:00:00.000Z',
    queuePosition,
    startedAt: null,
    endedAt: null,
    progress: null,
    reason: null,
    result: null,
    enginePid: null,
    heartbeatAt: null,
    owner: null,
    cause: null,
    ...extra,
  };
}
const split = (runId: string, folder: string) => ({ runDir: `/data/runs/${runId}`, outDir: `/data/runs/${runId}/predictions/${folder}` });

test("Inspect's Predict buttons follow only their own run's job of their own variant (issue 32, 6)", () => {
  const jobs = [
    job('b-plain', 'running', 1, split('run-b', 'val')),
    job('a-tta', 'queued', 2, split('run-a', 'val-tta')),
    job('a-old', 'finished', 0, split('run-a', 'val')),
  ];
  // Run B predicts: run A's plain button has no job (its old prediction has ended); its TTA one is queued behind B.
  assert.equal(splitPredictionJob(jobs, 'run-a', 'plain'), undefined);
  assert.equal(splitPredictionJob(jobs, 'run-a', 'tta')?.id, 'a-tta');
  assert.equal(splitPredictionJob(jobs, 'run-b', 'plain')?.id, 'b-plain');
  // A folder prediction of the run is not Inspect's.
  assert.equal(splitPredictionJob([job('folder', 'running', 1, { runDir: '/data/runs/run-a', outDir: '/home/me/val' })], 'run-a', 'plain'), undefined);

  const words = { idle: 'Predict again', running: 'Predicting…' };
  assert.equal(predictButtonText(undefined, jobs, words), 'Predict again');
  assert.equal(predictButtonText(jobs[1], jobs, words), 'Queued, 1 ahead');
  assert.equal(predictButtonText(jobs[0], jobs, words), 'Predicting…');
  assert.equal(predictButtonText({ ...jobs[0]!, progress: { done: 3, total: 40, message: '', etaSeconds: null } }, jobs, words), 'Predicting… 3 / 40');
});

test('a folder prediction says queued, predicting, then what it did: never "Predicting" once its job has ended', () => {
  const started = { jobId: 'f', images: 2, outDir: '/out', files: '<name>_color.png' };
  const ahead = job('other', 'running', 1, {});
  assert.equal(folderPredictionText(started, undefined, []), 'Queued: will predict 2 images into /out: <name>_color.png.');
  const queued = job('f', 'queued', 2, {});
  assert.equal(folderPredictionText(started, queued, [ahead, queued]), 'Queued, 1 ahead: will predict 2 images into /out: <name>_color.png.');
  assert.match(folderPredictionText(started, job('f', 'running', 2, {}), []), /^Predicting 2 images into \/out: <name>_color\.png; /);
  const finished = job('f', 'finished', 2, {}, { result: { checkpointEpoch: 1, written: 1, skipped: [{ image: '/in/b.png', message: 'not an image' }] } });
  assert.equal(folderPredictionText(started, finished, []), 'Predicted 1 image into /out: <name>_color.png; 1 skipped (not an image).');
  assert.equal(folderPredictionText(started, job('f', 'failed', 2, {}, { reason: 'No checkpoint' }), []), 'Predicting into /out failed: No checkpoint.');
  assert.match(folderPredictionText(started, job('f', 'cancelled', 2, {}), []), /^Stopped before the end/);
});
