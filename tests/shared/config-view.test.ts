import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDifferences, configRows, recipesLine } from '../../src-shared/config-view';
import { runConfigSchema } from '../../src-shared/run-config';

const base = runConfigSchema.parse({ datasetId: 'd', epochs: 20 });
const variant = runConfigSchema.parse({
  datasetId: 'd',
  epochs: 30,
  optimizer: { lr: 3e-4 },
  minorityCrops: { classes: ['Road', 'Vegetation'], share: 0.7, labels: [2, 3] },
  sampler: { kind: 'weighted', weightsFromRun: 'run-0001', weights: { '1': 2, '2': 1 } },
});
const names = new Map([['run-0001', 'baseline']]);

test('config rows: grouped, under the form names, in their units, non-defaults marked', () => {
  const rows = configRows(variant, names);
  const row = (key: string) => rows.find((r) => r.key === key);
  assert.deepEqual(row('optimizer.lr'), { group: 'Optimizer', key: 'optimizer.lr', label: 'Learning rate', value: '0.0003', isDefault: false });
  assert.deepEqual(row('epochs'), { group: 'Training', key: 'epochs', label: 'Epochs', value: '30', isDefault: false });
  assert.deepEqual(row('minorityCrops.share'), {
    group: 'Recipes',
    key: 'minorityCrops.share',
    label: 'Share of centred crops',
    value: '70%',
    isDefault: false,
  });
  assert.equal(row('minorityCrops.classes')!.value, 'Road, Vegetation', 'classes by name');
  assert.equal(row('minorityCrops.labels'), undefined, 'resolved label indices are not shown');
  assert.equal(row('sampler.weights')!.value, '2 images');
  assert.equal(row('sampler.weightsFromRun')!.value, '"baseline"');
  assert.deepEqual(row('replicate'), { group: 'Recipes', key: 'replicate', label: 'Repeat images rich in', value: 'off', isDefault: true });
  assert.deepEqual(row('augment.flips'), { group: 'Augmentation', key: 'augment.flips', label: 'Flips', value: 'on', isDefault: true });
  assert.equal(
    rows.filter((r) => !r.isDefault).length,
    7,
    rows
      .filter((r) => !r.isDefault)
      .map((r) => r.key)
      .join(),
  );
});

test('config differences use the form names and class names; recipes in one line', () => {
  assert.deepEqual(
    configDifferences([base, variant], names).map((d) => [d.label, ...d.values]),
    [
      ['Epochs', '20', '30'],
      ['Learning rate', '0.001', '0.0003'],
      ['Sampler', 'uniform', 'weighted'],
      ['Hard-sample weights from run', 'off', '"baseline"'],
      ['Hard-sample weights', 'off', '2 images'],
      ['Centre crops on pixels of', 'off', 'Road, Vegetation'],
      ['Share of centred crops', 'off', '70%'],
    ],
  );
  assert.equal(recipesLine(variant, names), 'minority crops: Road, Vegetation 70% · hard-sample weights of run "baseline"');
  assert.equal(recipesLine(base), null);
});
