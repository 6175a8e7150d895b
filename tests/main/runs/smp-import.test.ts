import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { encodeSafetensors, floatBytes } from '../../helpers/safetensors';
import { seededValues } from '../../helpers/seeded-weights';
import { tempDir, testServices } from '../../helpers/services';

/*
 * Issue 30, item 4: a segmentation_models_pytorch Unet's state_dict comes in as a run without any
 * training: SegBench builds its SMP U-Net on the encoder, loads every key, writes it as ONNX, and
 * the import-model job takes it from there (layout, classes, agreement on validation images), so
 * eval, Compare, Inspect, a distillation teacher and a label check take it like any imported model.
 */

const fixture = resolve('tests/fixtures/dubai-aerial');
const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

const smp = JSON.parse(readFileSync(resolve('tests/fixtures/encoders/smp-unet.json'), 'utf8')) as {
  cases: Record<string, { keys: [string, number[], string][] }>;
};

/** The resnet18 SMP U-Net's state_dict, seeded, with a head for `classes` classes. */
function smpFile(classes: number, withHead = true): string {
  const keys = smp.cases['unet-resnet18']!.keys.filter(([key]) => withHead || !key.startsWith('segmentation_head.')).map(
    ([key, shape, dtype]): [string, number[], string] => [
      key,
      key === 'segmentation_head.0.weight' ? [classes, 16, 3, 3] : key === 'segmentation_head.0.bias' ? [classes] : shape,
      dtype,
    ],
  );
  const tensors = keys.map(([name, shape, dtype]) =>
    dtype === 'I64' ? { name, dtype, shape, bytes: new Uint8Array(8) } : { name, dtype: 'F32', shape, bytes: floatBytes(seededValues(30, name, shape), 'F32') },
  );
  const path = join(tempDir(), `unet-${classes}${withHead ? '' : '-headless'}.safetensors`);
  writeFileSync(path, encodeSafetensors(tensors));
  return path;
}

test("an SMP Unet's state_dict imports as a run (converted to ONNX, every key loaded); without its encoder or its head it is refused", async () => {
  const dataset = await api.invoke('datasets:import', {
    name: 'dubai',
    imagesDir: join(fixture, 'images'),
    masksDir: join(fixture, 'masks'),
    preset: 'dubai-aerial',
  });
  await services.jobs.whenIdle();
  const classes = (await api.invoke('datasets:get', { datasetId: dataset.id })).classes.filter((c) => !c.ignore).length;
  const file = smpFile(classes);
  await assert.rejects(api.invoke('runs:importModel', { onnxPath: file, datasetId: dataset.id }), {
    code: 'VALIDATION',
    message: /is a safetensors state_dict, not an ONNX model: to import a segmentation_models_pytorch Unet, say its encoder/,
  });
  await assert.rejects(api.invoke('runs:importModel', { onnxPath: smpFile(classes, false), datasetId: dataset.id, smpEncoder: 'resnet18' }), {
    code: 'VALIDATION',
    message: /has no segmentation_head\.0\.weight \[classes, 16, 3, 3\]: it is not a whole segmentation_models_pytorch Unet's state_dict/,
  });
  await assert.rejects(api.invoke('runs:importModel', { onnxPath: file, datasetId: dataset.id, smpEncoder: 'resnet34' }), {
    code: 'VALIDATION',
    message: /does not fit the segmentation_models_pytorch Unet on resnet34/,
  });
  const runsBefore = (await api.invoke('runs:list', {})).length;

  const run = await api.invoke('runs:importModel', { onnxPath: file, datasetId: dataset.id, smpEncoder: 'resnet18', window: 128, name: 'SMP unet' });
  const findings = run.external!.findings;
  const floats = smp.cases['unet-resnet18']!.keys.filter(([, , dtype]) => dtype === 'F32').length;
  assert.equal(
    findings[0],
    `Converted from a segmentation_models_pytorch Unet(resnet18) state_dict: ${floats} tensors, ${classes} output classes, written as ONNX by SegBench.`,
  );
  assert.ok(
    findings.some((f) => /^Input NHWC \[/.test(f)),
    findings.join('\n'),
  );
  assert.ok(
    findings.some((f) => /^On \d validation images? it labels \d+\.\d% of pixels as their masks do\./.test(f)),
    findings.join('\n'),
  );
  assert.equal(run.external!.source, file);
  assert.equal((await api.invoke('runs:list', {})).length, runsBefore + 1, 'one run, and none for the refused imports');
});
