import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochValidation, subsetItems, subsetSize, validationImagesPerEpoch, validationText } from '../../src-shared/validation-plan';
import { jobParamSchemas } from '../../src-shared/job-kinds';

test('validateEvery and the subset: which epochs validate, on how many images; the last epoch always in full', () => {
  const config = { epochs: 5, validateEvery: 2, validationSubset: { share: 0.5, max: 3 }, seed: 1 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((e) => epochValidation(e, config, 8)),
    [{ kind: 'skipped', every: 2 }, { kind: 'subset', images: 3 }, { kind: 'skipped', every: 2 }, { kind: 'subset', images: 3 }, { kind: 'full' }],
  );
  assert.deepEqual(validationImagesPerEpoch(config, 8), [0, 3, 0, 3, 8]);
  // Defaults: every epoch, every image.
  assert.deepEqual(validationImagesPerEpoch({ epochs: 3, validateEvery: 1, validationSubset: null, seed: 1 }, 8), [8, 8, 8]);
  // A subset as large as the split is a full validation.
  assert.deepEqual(epochValidation(1, { epochs: 3, validateEvery: 1, validationSubset: { share: 1, max: null }, seed: 1 }, 8), { kind: 'full' });
  assert.equal(subsetSize(10, { share: 0.01, max: null }), 1);
  assert.equal(subsetSize(10, { share: 0.35, max: null }), 4);
  assert.equal(subsetSize(0, { share: 0.5, max: 2 }), 0);
  assert.equal(validationText({ kind: 'subset', images: 3 }, 8), 'on the validation subset, 3 of 8 images');
  assert.equal(validationText({ kind: 'skipped', every: 2 }, 8), 'not validated (the run validates every 2 epochs, and at the end)');
});

test('the subset is drawn from the seed: the same images every epoch, in their own order', () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const a = subsetItems(items, 5, 7);
  assert.equal(a.length, 5);
  assert.deepEqual(subsetItems(items, 5, 7), a);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    a,
  );
  assert.notDeepEqual(subsetItems(items, 5, 8), a);
  assert.deepEqual(subsetItems(items, 25, 7), items);
});

test('issue 28: a train job stored before validateEvery existed, parsed as the engine parses it on resume, validates every epoch as it did', () => {
  // As an older SegBench stored it in jobs.params: no validateEvery, no validationSubset.
  const stored = JSON.parse(
    JSON.stringify({
      runId: 'r1',
      runDir: '/tmp/r1',
      config: { datasetId: 'd1', model: 'unet', inputSize: 64, batchSize: 2, epochs: 5, seed: 3 },
      classNames: ['a', 'b'],
      labelMap: [
        [0, 0],
        [1, 1],
      ],
      classPixels: [10, 10],
      train: [{ imageId: 1, imagePath: '/i/1.png', maskPath: '/m/1.png' }],
      val: [{ imageId: 2, imagePath: '/i/2.png', maskPath: '/m/2.png' }],
      resume: true,
    }),
  ) as unknown;
  const params = jobParamSchemas.train.parse(stored);
  assert.equal(params.config.validateEvery, 1);
  assert.deepEqual(validationImagesPerEpoch(params.config, 10), [10, 10, 10, 10, 10]);
  // A config that is not a run configuration at all is refused, naming the field.
  assert.throws(() => jobParamSchemas.train.parse({ ...(stored as object), config: { datasetId: 'd1', epochs: 'many' } }), /epochs/);
});
