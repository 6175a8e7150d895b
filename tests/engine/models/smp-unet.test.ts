import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import type { EncoderName } from '../../../src-shared/encoders';
import { encoderStages, loadEncoderWeights } from '../../../src-main/engine/models/encoders';
import { createModel } from '../../../src-main/engine/models/registry';
import { parseSafetensors } from '../../../src-main/engine/models/safetensors';
import { loadSmpUnetWeights } from '../../../src-main/engine/models/smp-unet';
import { encodeSafetensors, floatBytes } from '../../helpers/safetensors';
import type { TensorBytes } from '../../helpers/safetensors';
import { seededValues } from '../../helpers/seeded-weights';
import { tf, wasmReady } from '../../helpers/tf';

/**
 * SegBench's U-Net on a ResNet encoder against segmentation_models_pytorch's, whole model
 * (tests/fixtures/encoders/make_smp_fixture.py): the same seeded state_dict on both sides, the
 * logits PyTorch gave committed; SegBench's must equal them within 1e-4.
 */

before(wasmReady);

const fixtureDir = join(process.cwd(), 'tests', 'fixtures', 'encoders');
const seed = (JSON.parse(readFileSync(join(fixtureDir, 'resnet.json'), 'utf8')) as { generator: { seed: number } }).generator.seed;

interface SmpCase {
  encoder: EncoderName;
  classes: number;
  inputNCHW: [number, number, number, number];
  file: string;
  shape: number[];
  maxAbs: number;
  torchFp32VsFp64: number;
  keys: [key: string, shape: number[], dtype: 'F32' | 'I64'][];
}
const fixture = JSON.parse(readFileSync(join(fixtureDir, 'smp-unet.json'), 'utf8')) as {
  cases: Record<string, SmpCase>;
  dilated: Record<'mobilenet_v2' | 'efficientnet-b0', { file: string; shape: number[]; maxAbs: number }>;
};
const tolerance = 1e-4;

function stateDict(entry: SmpCase, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): TensorBytes[] {
  return entry.keys.map(([name, shape, kind]) =>
    kind === 'I64'
      ? { name, dtype: 'I64', shape, bytes: new Uint8Array(8) }
      : { name, dtype, shape, bytes: floatBytes(seededValues(seed, name, shape), dtype) },
  );
}

const fileOf = (tensors: TensorBytes[]) => parseSafetensors(encodeSafetensors(tensors), 'unet.safetensors');

/** Max |SegBench - PyTorch| of `model` on the fixture's seeded input against the float32 NHWC values in `file`, after checking the shape. */
async function gapToTorch(model: tfl.LayersModel, entry: SmpCase, shape: number[], file: string): Promise<number> {
  const input = tf.tidy(() => tf.transpose(tf.tensor4d(seededValues(seed, 'input', entry.inputNCHW), entry.inputNCHW), [0, 2, 3, 1]));
  const output = model.predict(input) as tf.Tensor;
  assert.deepEqual(output.shape, shape);
  const actual = (await output.data()) as Float32Array;
  tf.dispose([input, output]);
  const bytes = readFileSync(join(fixtureDir, file));
  const torch = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let gap = 0;
  for (let i = 0; i < torch.length; i += 1) gap = Math.max(gap, Math.abs(actual[i]! - torch[i]!));
  return gap;
}

function unet(entry: SmpCase, classes = entry.classes): tfl.LayersModel {
  return createModel('unet', { classes, inputChannels: 3, inputSize: entry.inputNCHW[2], encoder: entry.encoder });
}

for (const [name, entry] of Object.entries(fixture.cases)) {
  test(`${name}: the whole model's logits equal segmentation_models_pytorch's within ${tolerance}, every key of its state_dict mapped`, async (t) => {
    const model = unet(entry);
    const tensors = stateDict(entry);
    const report = loadSmpUnetWeights(model, fileOf(tensors), 'unet.safetensors', entry.encoder);
    // EfficientNet's 1x1 head to 1280 is in SMP's state_dict, and its encoder never uses it.
    const unused = (name: string): boolean => entry.encoder.startsWith('efficientnet-') && name.startsWith('encoder.features.8.');
    assert.equal(report.loaded, tensors.filter((x) => x.dtype === 'F32' && !unused(x.name)).length, 'every float tensor loaded');
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(
      report.ignored.filter((k) => !k.endsWith('num_batches_tracked')),
      tensors.filter((x) => x.dtype === 'F32' && unused(x.name)).map((x) => x.name),
      'only the step counters (and an unused head) left out',
    );
    const gap = await gapToTorch(model, entry, entry.shape, entry.file);
    t.diagnostic(
      `${name}: max |SegBench - PyTorch| ${gap.toExponential(2)} (logits up to ${entry.maxAbs.toFixed(3)}; torch fp32 vs fp64 ${entry.torchFp32VsFp64.toExponential(2)})`,
    );
    assert.ok(gap <= tolerance, `max |SegBench - PyTorch| ${gap} > ${tolerance}`);
    model.dispose();
  });
}

test('a checkpoint for another class count loads all but its segmentation head, which is reported and keeps its initial values', () => {
  const entry = fixture.cases['unet-resnet18']!;
  const model = unet(entry, 3);
  const head = model.getLayer('segmentation_head.0');
  const before = head.getWeights()[0]!.dataSync().slice();
  const report = loadSmpUnetWeights(model, fileOf(stateDict(entry, 'BF16')), 'unet.safetensors', 'resnet18');
  assert.deepEqual(report.skipped, ['segmentation_head.0.weight', 'segmentation_head.0.bias']);
  assert.equal(report.loaded, entry.keys.filter(([, , d]) => d === 'F32').length - 2);
  assert.deepEqual(head.getWeights()[0]!.dataSync(), before, 'the head is left as initialised');
  // A decoder weight was written, from bf16 (the decoder block's first conv).
  const decoderKernel = model.getLayer('decoder.blocks.0.conv1.0').getWeights()[0]!;
  assert.deepEqual(decoderKernel.shape, [3, 3, 512 + 256, 256]);
  model.dispose();
});

test('a state_dict of another encoder or a bare encoder is refused naming the keys, and nothing is written', () => {
  const entry = fixture.cases['unet-resnet18']!;
  const model = unet(entry);
  const kernel = model.getLayer('decoder.blocks.4.conv2.0').getWeights()[0]!;
  const before = kernel.dataSync().slice();
  assert.throws(() => loadSmpUnetWeights(model, fileOf(stateDict(fixture.cases['unet-resnet50']!)), 'r50.safetensors', 'resnet18'), {
    code: 'VALIDATION',
    message:
      /^r50\.safetensors does not fit the segmentation_models_pytorch Unet on resnet18: \d+ of its tensors map to no weight of the model \(encoder\.layer1\.0\.conv3\.weight, .*Give the state_dict of segmentation_models_pytorch's Unet\(encoder_name="resnet18"\) saved as safetensors\.$/,
  });
  const encoderOnly = stateDict(entry)
    .filter((x) => x.name.startsWith('encoder.'))
    .map((x) => ({ ...x, name: x.name.slice('encoder.'.length) }));
  assert.throws(() => loadSmpUnetWeights(model, fileOf(encoderOnly), 'timm.safetensors', 'resnet18'), {
    code: 'VALIDATION',
    message: /map to no weight of the model \(conv1\.weight, bn1\.weight/,
  });
  assert.deepEqual(kernel.dataSync(), before);
  model.dispose();
});

test('the model-options rule: an encoder only under unet, fpn and deeplabv3plus, the SMP U-Net without depth or width', () => {
  const spec = { classes: 2, inputChannels: 3, inputSize: 64 };
  assert.throws(() => createModel('unet-mobilenetv2', { ...spec, encoder: 'resnet18' }), {
    code: 'VALIDATION',
    message: 'unet-mobilenetv2 has its own encoder; modelOptions.encoder (resnet18) goes with unet, fpn, deeplabv3plus.',
  });
  assert.throws(() => createModel('unet', { ...spec, encoder: 'resnet18', depth: 4 }), { code: 'VALIDATION', message: /leave out depth and width/ });
  assert.throws(() => createModel('unet', { ...spec, inputSize: 48, encoder: 'resnet18' }), {
    code: 'VALIDATION',
    message: 'Input size 48 does not fit unet: it must be a multiple of 32. Nearest valid: 32 or 64.',
  });
  for (const [model, size, encoder, layer] of [
    ['fpn', 64, 'resnet18', 'encoder.layer4.1.conv2'],
    ['deeplabv3plus', 48, 'resnet18', 'encoder.layer4.1.conv2'],
    ['deeplabv3plus', 48, 'mobilenet_v2', 'encoder.features.16.conv.1.0'],
    ['deeplabv3plus', 48, 'efficientnet-b0', 'encoder.features.7.0.block.1.0'],
  ] as const) {
    const built = createModel(model, { ...spec, inputSize: size, encoder });
    assert.ok(built.getLayer(layer), `${model} is built on ${encoder}`);
    assert.deepEqual(built.outputs[0]!.shape, [null, size, size, 2]);
    built.dispose();
  }
});

for (const [encoder, expected] of Object.entries(fixture.dilated) as [EncoderName, (typeof fixture.dilated)['mobilenet_v2']][]) {
  test(`${encoder} at output stride 16 (DeepLabV3+'s): the last stage, dilated as SMP's make_dilated does, equals PyTorch's within ${tolerance}`, async (t) => {
    const entry = fixture.cases[`unet-${encoder}`]!;
    const input = tfl.input({ shape: [64, 64, 3] });
    const { stages, strides } = encoderStages(input, encoder, { outputStride: 16 });
    assert.deepEqual(strides, [2, 4, 8, 16, 16]);
    const model = tfl.model({ inputs: input, outputs: stages[4]! });
    const tensors = stateDict(entry)
      .filter((x) => x.name.startsWith('encoder.'))
      .map((x) => ({ ...x, name: x.name.slice('encoder.'.length) }));
    loadEncoderWeights(model, fileOf(tensors), 'encoder.safetensors', encoder);
    const gap = await gapToTorch(model, entry, expected.shape, expected.file);
    t.diagnostic(`${encoder} at output stride 16: max |SegBench - PyTorch| ${gap.toExponential(2)} (features up to ${expected.maxAbs.toFixed(3)})`);
    assert.ok(gap <= tolerance, `${gap}`);
    model.dispose();
  });
}
