import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobKinds } from '../../src-shared/jobs';
import { jobTitle } from '../../src-shared/job-titles';

const names = { runs: new Map([['r-123456789', 'tiny inspect']]), datasets: new Map([['d-1', 'dubai']]) };

test('each job is named by its kind and what it works on', () => {
  assert.equal(jobTitle({ kind: 'train', params: { runId: 'r-123456789', runDir: '/data/runs/r-123456789' } }, names), 'Training run "tiny inspect"');
  assert.equal(jobTitle({ kind: 'predict', params: { runDir: '/data/runs/r-123456789' } }, names), 'Predicting with run "tiny inspect"');
  assert.equal(jobTitle({ kind: 'eval', params: { runDir: 'C:\\data\\runs\\r-123456789' } }, names), 'Evaluating run "tiny inspect"');
  assert.equal(jobTitle({ kind: 'index', params: { datasetId: 'd-1' } }, names), 'Indexing dataset "dubai"');
  assert.equal(jobTitle({ kind: 'hash', params: { datasetId: 'gone-dataset-id' } }, names), 'Finding duplicates in dataset "gone-dat"');
  assert.equal(jobTitle({ kind: 'evaluate', params: { members: [{ name: 'a' }, { name: 'b' }] } }, names), 'Evaluating "a", "b"');
  assert.equal(jobTitle({ kind: 'diagnostic', params: {} }, names), 'Engine self-test');
  // Only the diagnostic job is the self-test.
  const selfTests = jobKinds.filter((kind) => jobTitle({ kind, params: {} }, names).includes('self-test'));
  assert.deepEqual(selfTests, ['diagnostic']);
});
