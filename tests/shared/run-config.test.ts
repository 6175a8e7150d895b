import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configBounds } from '../../src-shared/config-reference';
import { labelErrorStartSchema } from '../../src-shared/label-errors';
import { groupDefaults, inputSizeProblem, inputSizeRange, runConfigDefaults, runConfigSchema, validInputSizes, windowBatch } from '../../src-shared/run-config';
import { distillSchema } from '../../src-shared/distill';
import { minorityCropSchema, replicationSchema } from '../../src-shared/recipes';

const outOfRange = (size: number): string => `Input size ${size} is out of range: it must be a whole number of pixels from 32 to 1024.`;

test('the input-size rule: range and stride, with the nearest valid sizes', () => {
  const cases: [Parameters<typeof inputSizeProblem>, string | null][] = [
    [['unet', 256], null],
    [['unet', 32, { depth: 2 }], null],
    [['unet', 1024, { depth: 6 }], null],
    [['fpn', 32], null],
    [['deeplabv3plus', 48], null],
    [['unet', 100, { depth: 4 }], 'Input size 100 does not fit unet: it must be a multiple of 16. Nearest valid: 96 or 112.'],
    [['unet', 100, { depth: 3 }], 'Input size 100 does not fit unet: it must be a multiple of 8. Nearest valid: 96 or 104.'],
    [['fpn', 250], 'Input size 250 does not fit fpn: it must be a multiple of 32. Nearest valid: 224 or 256.'],
    [['deeplabv3plus', 40], 'Input size 40 does not fit deeplabv3plus: it must be a multiple of 16. Nearest valid: 32 or 48.'],
    // The smallest valid size is the range's minimum rounded up to the stride.
    [['unet', 32, { depth: 6 }], 'Input size 32 does not fit unet: it must be a multiple of 64. Nearest valid: 64.'],
    [['unet', 1000, { depth: 6 }], 'Input size 1000 does not fit unet: it must be a multiple of 64. Nearest valid: 960 or 1024.'],
    [['unet', 16], outOfRange(16)],
    [['unet', 2048], outOfRange(2048)],
    [['fpn', 31], outOfRange(31)],
    [['unet', 96.5], outOfRange(96.5)],
  ];
  for (const [args, expected] of cases) assert.equal(inputSizeProblem(...args), expected, JSON.stringify(args));
});

test("the schema refuses an out-of-range input size in the rule's own words, from the same range", () => {
  assert.deepEqual(configBounds('inputSize'), inputSizeRange);
  for (const size of [16, 2048, 96.5]) {
    const parsed = runConfigSchema.safeParse({ datasetId: 'd', inputSize: size });
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error?.issues.map((i) => [i.path.join('.'), i.message]),
      [['inputSize', inputSizeProblem('unet', size)]],
    );
    assert.equal(labelErrorStartSchema.safeParse({ datasetId: 'd', inputSize: size }).error?.issues[0]?.message, outOfRange(size));
  }
  // The stride depends on the model, so the schema leaves it to inputSizeProblem (an imported ONNX run stores its own window).
  assert.equal(runConfigSchema.safeParse({ datasetId: 'd', inputSize: 100 }).success, true);
});

test('valid input sizes: the range rounded in to the stride', () => {
  assert.deepEqual(validInputSizes('unet'), { min: 32, max: 1024, step: 16 });
  assert.deepEqual(validInputSizes('unet', { depth: 6 }), { min: 64, max: 1024, step: 64 });
  assert.deepEqual(validInputSizes('unet', { depth: 2 }), { min: 32, max: 1024, step: 4 });
  assert.deepEqual(validInputSizes('fpn'), { min: 32, max: 1024, step: 32 });
});

test('runConfigDefaults is what the schema makes of a config of only a dataset id', () => {
  const { datasetId, ...parsed } = runConfigSchema.parse({ datasetId: 'x' });
  assert.equal(datasetId, 'x');
  assert.deepEqual(runConfigDefaults, parsed);
  assert.equal(runConfigDefaults.loss.name, 'ce');
  assert.equal(runConfigDefaults.optimizer.name, 'adam');
  assert.equal(runConfigDefaults.schedule.name, 'constant');
  assert.equal('inferenceBatch' in runConfigDefaults, false);
});

test('groupDefaults are the defaults of the groups that are off by default', () => {
  assert.deepEqual(groupDefaults.replicate, (({ classes: _, ...rest }) => rest)(replicationSchema.parse({ classes: ['a'] })));
  assert.deepEqual(groupDefaults.minorityCrops, (({ classes: _, ...rest }) => rest)(minorityCropSchema.parse({ classes: ['a'] })));
  assert.deepEqual(groupDefaults.distill, (({ teacherRunId: _, ...rest }) => rest)(distillSchema.parse({ teacherRunId: 'r' })));
  assert.deepEqual(groupDefaults.validationSubset, runConfigSchema.parse({ datasetId: 'x', validationSubset: {} }).validationSubset);
});

test('windowBatch: inferenceBatch when set, else the training batch (configs stored before it predict as they did)', () => {
  const stored = runConfigSchema.parse({ datasetId: 'x', batchSize: 6 });
  assert.equal(stored.inferenceBatch, undefined);
  assert.equal(windowBatch(stored), 6);
  assert.equal(windowBatch(runConfigSchema.parse({ datasetId: 'x', batchSize: 6, inferenceBatch: 32 })), 32);
  assert.equal(windowBatch({ batchSize: 2, inferenceBatch: 1 }), 1);
  assert.deepEqual(configBounds('inferenceBatch'), { min: 1, max: 256 });
  assert.equal(runConfigSchema.safeParse({ datasetId: 'x', inferenceBatch: 0 }).success, false);
});

test('configBounds reads any number field of the schema, in lists too, and refuses what is not one', () => {
  assert.deepEqual(configBounds('optimizer.lr'), { min: 1e-6, max: 1 });
  assert.deepEqual(configBounds('modelOptions.depth'), { min: 2, max: 6 });
  assert.deepEqual(configBounds('replicate.times'), { min: 1, max: 20 });
  assert.deepEqual(configBounds('distill.matrix[][]'), { min: 0, max: 1 });
  assert.throws(() => configBounds('optimizer.name'), /"optimizer\.name" is not a number/);
  assert.throws(() => configBounds('validationSubset.share'), /inclusive lower and upper bound/);
  assert.throws(() => configBounds('optimizer.nope'), /no field "optimizer\.nope"/);
});
