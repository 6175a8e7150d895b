import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configFields, renderConfigReference } from '../../src-shared/config-reference';
import { runConfigSchema } from '../../src-shared/run-config';
import { z } from '../../src-shared/zod';

const page = 'docs/config-reference.md';

test('docs/config-reference.md is what the renderer gives from the schema now', () => {
  const expected = renderConfigReference();
  const actual = readFileSync(page, 'utf8');
  assert.ok(actual === expected, `${page} differs from the run config schema: run \`npm run docs:config\` and commit the page.`);
});

test('every field of the run config, nested ones too, has a row with a description', () => {
  const fields = configFields();
  const paths = fields.map((field) => field.path);
  for (const key of Object.keys(runConfigSchema.shape)) assert.ok(paths.includes(key), `${key} has no row`);
  for (const path of [
    'inputChannels',
    'inputChannels.indices[].kind',
    'replicate',
    'replicate.minShare',
    'minorityCrops.share',
    'distill',
    'distill.matrix',
    'validateEvery',
    'validationSubset',
    'validationSubset.max',
    'augment.flips',
    'optimizer.lr',
  ]) {
    assert.ok(paths.includes(path), `${path} has no row`);
  }
  assert.deepEqual(
    fields.filter((field) => field.description === '').map((field) => field.path),
    [],
    'fields without a .describe() in the schema',
  );
  assert.equal(new Set(paths).size, paths.length, 'a field is listed twice');
});

test('types, ranges and defaults come from the schema (known rows)', () => {
  const row = (path: string) => configFields().find((field) => field.path === path);
  assert.deepEqual(row('inputSize'), {
    path: 'inputSize',
    type: 'integer',
    range: '32 to 1024',
    defaultText: '`256`',
    description: row('inputSize')!.description,
  });
  assert.equal(row('validationSubset.share')?.range, 'more than 0, at most 1');
  assert.equal(row('gradClipNorm')?.type, 'number | null');
  assert.equal(row('model')?.range, '`unet`, `unet-mobilenetv2`, `deeplabv3plus`, `fpn`');
  assert.equal(row('model')?.defaultText, '`"unet"`');
  assert.equal(row('stepsPerEpoch')?.defaultText, 'unset');
  assert.equal(row('datasetId')?.defaultText, 'required');
  assert.equal(row('distill.matrix')?.range, '1 to 254 items; each 1 to 254 items; each 0 to 1');
  assert.equal(row('sampler.weights')?.type, 'Record<string, number>');
});

test('a field without a description is refused by name', () => {
  const schema = z.strictObject({ described: z.number().describe('Has one.'), bare: z.object({ inner: z.boolean() }).describe('Group.') });
  assert.throws(() => renderConfigReference(configFields(schema)), /give these fields a \.describe\(\) in the schema: bare\.inner\./);
});
