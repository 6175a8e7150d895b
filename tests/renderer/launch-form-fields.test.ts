import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldIssues, inputSizeLabel, inputSizeLimits, rangeLabel } from '../../src-renderer/pages/runs/launch-form-fields';
import type { LaunchFormValues } from '../../src-renderer/pages/runs/launch-form-fields';

const form = (patch: Partial<LaunchFormValues>): LaunchFormValues => ({
  datasetId: 'd',
  model: 'unet',
  modelOptions: { depth: 3, width: 8 },
  inputSize: 64,
  batchSize: 4,
  ...patch,
});

test("labels carry the schema's ranges", () => {
  assert.equal(rangeLabel('Batch', 'batchSize'), 'Batch (1 to 64)');
  assert.equal(rangeLabel('Learning rate', 'optimizer.lr'), 'Learning rate (1e-6 to 1)');
  assert.equal(rangeLabel('U-Net depth', 'modelOptions.depth'), 'U-Net depth (2 to 6)');
  assert.equal(inputSizeLabel(form({})), 'Input size (32 to 1024, a multiple of 8)');
  assert.equal(inputSizeLabel(form({ model: 'fpn', modelOptions: {} })), 'Input size (32 to 1024, a multiple of 32)');
  assert.equal(inputSizeLabel(form({ modelOptions: { depth: 6 } })), 'Input size (64 to 1024, a multiple of 64)');
  // A depth being typed (not yet a number) falls back to the model's own.
  assert.deepEqual(inputSizeLimits(form({ modelOptions: { depth: Number.NaN } })), { min: 32, max: 1024, step: 16 });
  assert.deepEqual(inputSizeLimits({}), { min: 32, max: 1024, step: 16 });
});

test('the form refuses what the API refuses, in the same words', () => {
  assert.deepEqual([...fieldIssues(form({}))], []);
  assert.deepEqual(
    [...fieldIssues(form({ inputSize: 100 }))],
    [['inputSize', 'Input size 100 does not fit unet: it must be a multiple of 8. Nearest valid: 96 or 104.']],
  );
  assert.deepEqual(
    [...fieldIssues(form({ inputSize: 2000 }))],
    [['inputSize', 'Input size 2000 is out of range: it must be a whole number of pixels from 32 to 1024.']],
  );
  const issues = fieldIssues(form({ batchSize: 0, inferenceBatch: 300 }));
  assert.match(issues.get('batchSize') ?? '', /expected number to be >=1/);
  assert.match(issues.get('inferenceBatch') ?? '', /expected number to be <=256/);
  assert.equal(fieldIssues(form({ inputSize: Number.NaN })).has('inputSize'), true);
});
