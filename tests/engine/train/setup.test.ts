import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lossOptionsOf, stepsPerEpochOf } from '../../../src-main/engine/train/setup';
import { classWeights } from '../../../src-shared/class-weights';
import { runConfigSchema } from '../../../src-shared/run-config';

const config = (extra: Record<string, unknown> = {}) => runConfigSchema.parse({ datasetId: 'd', batchSize: 4, ...extra });
const ids = Array.from({ length: 10 }, (_, i) => i + 1);

test('steps per epoch come from the sampler pool: replication and samplesPerEpoch count, the config wins', () => {
  assert.equal(stepsPerEpochOf(config(), ids), 3, '10 images, batch 4');
  // Images 1 and 2 drawn 3 times each: 14 draws a pass, 4 steps.
  assert.equal(stepsPerEpochOf(config({ replicate: { classes: ['Water'], repeats: { 1: 3, 2: 3 } } }), ids), 4);
  assert.equal(stepsPerEpochOf(config({ sampler: { samplesPerEpoch: 40 } }), ids), 10);
  assert.equal(stepsPerEpochOf(config({ stepsPerEpoch: 7 }), ids), 7);
});

test('loss options carry the class weights of the training pixels, the label smoothing and the focal gamma', () => {
  const pixels = [900, 90, 10];
  const options = lossOptionsOf(config({ loss: { classWeights: 'median', labelSmoothing: 0.1, focalGamma: 3 } }), pixels);
  assert.deepEqual(options, { classWeights: classWeights(pixels, 'median'), labelSmoothing: 0.1, focalGamma: 3 });
  assert.equal(lossOptionsOf(config(), pixels).classWeights, undefined);
});
