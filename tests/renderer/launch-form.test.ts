import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { LaunchFormValues } from '../../src-renderer/pages/runs/launch-form-fields';
import { Field, typedNumber } from '../../src-renderer/pages/runs/launch/Field';
import { ModelFields } from '../../src-renderer/pages/runs/launch/ModelFields';
import { ValidationFields } from '../../src-renderer/pages/runs/launch/ValidationFields';
import { estimateText } from '../../src-renderer/pages/runs/launch/estimate-text';
import { presets, withModel } from '../../src-renderer/pages/runs/launch/presets';

const form: LaunchFormValues = { datasetId: 'd1', ...presets.quick!.config };
const noIssues = new Map<string, string>();
const set = (): void => undefined;

test('a model change keeps the encoder where the model takes one, and drops it with its weights and schedule where not', () => {
  const withEncoder: LaunchFormValues = { ...form, model: 'unet', modelOptions: { encoder: 'resnet34' }, encoderWeights: 'imagenet', encoderFreezeEpochs: 2 };
  assert.deepEqual(withModel(withEncoder, 'fpn'), { model: 'fpn' });
  assert.deepEqual(withModel(withEncoder, 'unet-mobilenetv2'), {
    model: 'unet-mobilenetv2',
    modelOptions: { encoder: undefined },
    encoderWeights: null,
    encoderFreezeEpochs: undefined,
    encoderLrFactor: undefined,
  });
  assert.deepEqual(withModel(form, 'unet-mobilenetv2'), { model: 'unet-mobilenetv2' });
  assert.ok(Number.isNaN(typedNumber(' ')), 'an empty field is NaN, for the schema to name');
  assert.equal(typedNumber('12'), 12);
});

test('a field shows its issue under the control, with the path in its testid', () => {
  const markup = renderToStaticMarkup(
    createElement(Field, {
      label: 'Batch (1 to 64)',
      path: 'batchSize',
      issues: new Map([['batchSize', 'Batch must be at most 64.']]),
      children: createElement('input'),
    }),
  );
  assert.equal(
    markup,
    '<label class="field"><span>Batch (1 to 64)</span><input/><em class="field-error" data-testid="error-batchSize">Batch must be at most 64.</em></label>',
  );
});

test('the model fields: depth and width for a plain U-Net, neither for an SMP U-Net on an encoder, width only for FPN on one', () => {
  const render = (patch: Partial<LaunchFormValues>): string =>
    renderToStaticMarkup(
      createElement(ModelFields, { form: { ...form, ...patch }, set, issues: noIssues, datasets: [{ id: 'd1', name: 'dubai' }], datasetId: 'd1' }),
    );
  const plain = render({});
  assert.match(plain, /data-testid="form-depth"/);
  assert.match(plain, /data-testid="form-width"/);
  assert.match(plain, /<option value="d1" selected="">dubai<\/option>/);
  const smp = render({ modelOptions: { encoder: 'resnet18' } });
  assert.doesNotMatch(smp, /form-depth|form-width/);
  const fpn = render({ model: 'fpn', modelOptions: { encoder: 'resnet18' } });
  assert.doesNotMatch(fpn, /form-depth/);
  assert.match(fpn, /data-testid="form-width"/);
  assert.match(fpn, /Input size \(32 to 1024, a multiple of 32\)/);
});

test('the windows per inference pass default to the batch, and say so', () => {
  const markup = renderToStaticMarkup(createElement(ValidationFields, { form: { ...form, batchSize: 6 }, set, issues: noIssues }));
  assert.match(markup, /placeholder="the batch \(6\)"/);
});

test('the estimate in words: per step, per epoch, the validation pass and the whole run as validateEvery plans it; too big names the largest batch', () => {
  const estimate = {
    backend: 'wasm',
    device: 'CPU',
    stepMiB: 812,
    fits: true,
    largestBatch: null,
    stepSeconds: 1.5,
    stepsPerEpoch: 40,
    trainSecondsPerEpoch: 60,
    validationSeconds: 30,
    validationImages: 10,
  };
  assert.equal(
    estimateText(estimate, { ...form, epochs: 4, validateEvery: 2 }),
    'About 812 MiB per step on wasm; 1.50 s per step, so about 1m 0s per epoch of 40 steps. A full validation of 10 images takes about 30s. ' +
      'Over 4 epochs: about 4m 0s of training and 1m 0s of validation (2 validations).',
  );
  assert.equal(
    estimateText({ ...estimate, fits: false, largestBatch: 2 }, form),
    'About 812 MiB per step: too much for the wasm backend. The largest batch that fits is 2.',
  );
  assert.equal(
    estimateText({ ...estimate, fits: false, largestBatch: 0 }, form),
    'About 812 MiB per step: too much for the wasm backend. Use a smaller input size.',
  );
});
