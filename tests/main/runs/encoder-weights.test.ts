import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { importWeights } from '../../../src-main/weights/import-weights';
import { WeightsCache } from '../../../src-main/weights/weights-cache';
import { encodeSafetensors, floatBytes } from '../../helpers/safetensors';
import { seededValues } from '../../helpers/seeded-weights';
import { tempDir, testServices } from '../../helpers/services';
import { timmEfficientnetKey, timmMobilenetKey, torchvisionKeys } from '../../helpers/timm-weights';

/*
 * Issue 30: a run starts its ResNet encoder from weights in the data directory's cache, asked as
 * "imagenet"; the launch refuses what is not cached with the commands that fetch it; the input is
 * normalised with ImageNet's statistics; and the checkpoint holds the file's weights.
 */

const fixture = resolve('tests/fixtures/dubai-aerial');
const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

/** A timm-shaped resnet18 file (torchvision's keys, fc included) with seeded values, in F16 as some hub files are. */
function resnet18File(): { path: string; conv1: Float32Array } {
  const keys: [string, number[], string][] = [...torchvisionKeys('resnet18'), ['fc.weight', [1000, 512], 'F32'], ['fc.bias', [1000], 'F32']];
  const tensors = keys.map(([name, shape, dtype]) =>
    dtype === 'I64'
      ? { name, dtype, shape, bytes: new Uint8Array(8) }
      : name.startsWith('fc.')
        ? { name, dtype: 'F16', shape, bytes: new Uint8Array(shape.reduce((a, b) => a * b, 1) * 2) }
        : { name, dtype: 'F16', shape, bytes: floatBytes(seededValues(30, name, shape), 'F16') },
  );
  const path = join(tempDir(), 'model.safetensors');
  writeFileSync(path, encodeSafetensors(tensors));
  // conv1 as the model holds it: F16-rounded, HWIO.
  const half = floatBytes(seededValues(30, 'conv1.weight', [64, 3, 7, 7]), 'F16');
  const oihw = Float32Array.from(new Uint16Array(half.buffer, half.byteOffset, half.byteLength / 2), halfToFloat);
  const hwio = new Float32Array(oihw.length);
  for (let o = 0; o < 64; o += 1)
    for (let i = 0; i < 3; i += 1)
      for (let h = 0; h < 7; h += 1) for (let w = 0; w < 7; w += 1) hwio[((h * 7 + w) * 3 + i) * 64 + o] = oihw[((o * 3 + i) * 7 + h) * 7 + w]!;
  return { path, conv1: hwio };
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

test('a U-Net on resnet18 starts from cached ImageNet weights: refused until cached, then loaded, normalised with ImageNet statistics, and named in the run', async () => {
  const dataset = await api.invoke('datasets:import', {
    name: 'dubai',
    imagesDir: join(fixture, 'images'),
    masksDir: join(fixture, 'masks'),
    preset: 'dubai-aerial',
  });
  await services.jobs.whenIdle();
  const launch = (extra: object = {}) => ({
    datasetId: dataset.id,
    backend: 'wasm' as const,
    model: 'unet' as const,
    modelOptions: { encoder: 'resnet18' as const },
    encoderWeights: 'imagenet',
    inputSize: 64,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 1,
    optimizer: { lr: 1e-6 },
    ...extra,
  });
  await assert.rejects(api.invoke('runs:start', launch()), {
    code: 'VALIDATION',
    message:
      /^Cannot start from encoder weights "imagenet": no ImageNet weights of resnet18 are in the weights cache \(.*weights\)\. Fetch them first with `segbench weights pull resnet18\.a1_in1k` .*https:\/\/huggingface\.co\/timm\/resnet18\.a1_in1k\/resolve\/main\/model\.safetensors\. Without a network here: .*segbench weights import FILE --name resnet18\.a1_in1k`\.$/,
  });
  await assert.rejects(api.invoke('runs:start', launch({ modelOptions: {} })), {
    code: 'VALIDATION',
    message:
      /^Encoder weights \(imagenet\) need an encoder: set modelOptions\.encoder to one of resnet18, resnet34, resnet50, mobilenet_v2, efficientnet-b0, efficientnet-b1, efficientnet-b2, efficientnet-b3\.$/,
  });
  await assert.rejects(api.invoke('runs:start', launch({ model: 'unet-mobilenetv2' })), {
    code: 'VALIDATION',
    message: /^unet-mobilenetv2 has its own encoder/,
  });

  const file = resnet18File();
  const cached = await importWeights(new WeightsCache(services.dataDir), file.path, { name: 'resnet18.a1_in1k' });
  await assert.rejects(api.invoke('runs:start', launch({ modelOptions: { encoder: 'resnet34' } })), {
    code: 'VALIDATION',
    message: /no ImageNet weights of resnet34 are in the weights cache/,
  });

  const run = await api.invoke('runs:start', launch());
  await services.jobs.whenIdle();
  const detail = await api.invoke('runs:get', { runId: run.id });
  assert.equal(detail.status, 'finished', JSON.stringify(detail.events));
  const messages = detail.events.map((e) => e.message);
  assert.ok(
    messages.includes(
      `Encoder resnet18 started from resnet18.a1_in1k (sha256 ${cached.weights.sha256.slice(0, 12)}…, asked as "imagenet"): 100 tensors loaded; the ImageNet classifier left out; the decoder and the head start from the seed.`,
    ),
    JSON.stringify(messages),
  );
  assert.ok(messages.includes("Input normalised with ImageNet's mean and std, as the pretrained weights were trained with."), JSON.stringify(messages));
  const config = detail.config as { encoderWeightsFile?: { name: string; sha256: string; path: string } };
  assert.deepEqual(config.encoderWeightsFile, { path: cached.weights.path, name: 'resnet18.a1_in1k', sha256: cached.weights.sha256 });

  // The checkpoint: ImageNet's statistics on 0..255 pixels, and conv1 as the file holds it (one Adam step at lr 1e-6 away).
  const dir = join(services.dataDir, 'runs', run.id, 'last');
  const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as {
    state: { normalization: { mean: number[]; std: number[] } };
    weights: { name: string; shape: number[] }[];
  };
  manifest.state.normalization.mean.forEach((m, i) => assert.ok(Math.abs(m - [123.675, 116.28, 103.53][i]!) < 1e-9));
  manifest.state.normalization.std.forEach((s, i) => assert.ok(Math.abs(s - [58.395, 57.12, 57.375][i]!) < 1e-9));
  const all = new Float32Array(readFileSync(join(dir, 'weights.bin')).buffer.slice(0));
  let offset = 0;
  for (const spec of manifest.weights) {
    if (spec.name === 'encoder.conv1/kernel') break;
    offset += spec.shape.reduce((a, b) => a * b, 1);
  }
  const conv1 = all.subarray(offset, offset + file.conv1.length);
  let gap = 0;
  for (let i = 0; i < conv1.length; i += 1) gap = Math.max(gap, Math.abs(conv1[i]! - file.conv1[i]!));
  assert.ok(gap < 1e-4, `conv1 is ${gap} from the file's`);
});

const timmFiles = [
  { encoder: 'mobilenet_v2', name: 'mobilenetv2_100.ra_in1k', rename: timmMobilenetKey, loaded: 260 },
  // EfficientNet's 1x1 head to 1280 (conv_head, bn2: 5 tensors) is in the file and unused by the encoder.
  { encoder: 'efficientnet-b0', name: 'efficientnet_b0.ra_in1k', rename: timmEfficientnetKey, loaded: 304 },
] as const;

for (const { encoder, name, rename, loaded } of timmFiles) {
  test(`a U-Net and a DeepLabV3+ on ${encoder} train from timm's ${name} file (timm's names, renamed on load)`, async () => {
    const dataset = (await api.invoke('datasets:list', {})).find((d) => d.name === 'dubai')!;
    const keys = torchvisionKeys(encoder);
    const tensors = [
      ...keys.map(([key, shape, dtype]) =>
        dtype === 'I64'
          ? { name: rename(key), dtype, shape, bytes: new Uint8Array(8) }
          : { name: rename(key), dtype: 'F32', shape, bytes: floatBytes(seededValues(30, key, shape), 'F32') },
      ),
      { name: 'classifier.weight', dtype: 'F32', shape: [1000, 1280], bytes: new Uint8Array(1000 * 1280 * 4) },
      { name: 'classifier.bias', dtype: 'F32', shape: [1000], bytes: new Uint8Array(4000) },
    ];
    const path = join(tempDir(), 'model.safetensors');
    writeFileSync(path, encodeSafetensors(tensors));
    await importWeights(new WeightsCache(services.dataDir), path, { name });
    const launch = (model: 'unet' | 'deeplabv3plus') => ({
      datasetId: dataset.id,
      backend: 'wasm' as const,
      model,
      modelOptions: { encoder },
      encoderWeights: 'imagenet',
      inputSize: 64,
      batchSize: 2,
      epochs: 1,
      stepsPerEpoch: 1,
    });
    // DeepLabV3+ dilates the last stage's depthwise convolutions (output stride 16) and trains them.
    for (const model of ['unet', 'deeplabv3plus'] as const) {
      const run = await api.invoke('runs:start', launch(model));
      await services.jobs.whenIdle();
      const detail = await api.invoke('runs:get', { runId: run.id });
      assert.equal(detail.status, 'finished', `${model}: ${JSON.stringify(detail.events)}`);
      const started = new RegExp(
        `^Encoder ${encoder} started from ${name.replace('.', '\\.')} \\(sha256 [0-9a-f]{12}…, asked as "imagenet"\\): ${loaded} tensors loaded; the ImageNet classifier left out;`,
      );
      assert.ok(
        detail.events.some((e) => started.test(e.message)),
        JSON.stringify(detail.events.map((e) => e.message)),
      );
    }
  });
}

test('an encoder frozen for every epoch keeps the weights it loaded exactly; the run says so; without an encoder the setting is refused', async () => {
  const dataset = (await api.invoke('datasets:list', {})).find((d) => d.name === 'dubai')!;
  const launch = (extra: object) => ({
    datasetId: dataset.id,
    backend: 'wasm' as const,
    model: 'unet' as const,
    inputSize: 64,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 2,
    optimizer: { lr: 0.01 },
    ...extra,
  });
  await assert.rejects(api.invoke('runs:start', launch({ modelOptions: { depth: 2, width: 4 }, encoderFreezeEpochs: 1 })), {
    code: 'VALIDATION',
    message: /^encoderFreezeEpochs \(1\) and encoderLrFactor \(1\) act on an encoder: set modelOptions\.encoder/,
  });
  const run = await api.invoke('runs:start', launch({ modelOptions: { encoder: 'resnet18' }, encoderWeights: 'resnet18.a1_in1k', encoderFreezeEpochs: 1 }));
  await services.jobs.whenIdle();
  const detail = await api.invoke('runs:get', { runId: run.id });
  assert.equal(detail.status, 'finished', JSON.stringify(detail.events));
  assert.ok(
    detail.events.some(
      (e) =>
        e.message ===
        'The encoder stays frozen for all 1 epochs (its weights as loaded; batch-norm statistics follow the data): only the decoder and head train.',
    ),
    JSON.stringify(detail.events.map((e) => e.message)),
  );
  const dir = join(services.dataDir, 'runs', run.id, 'last');
  const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { weights: { name: string; shape: number[] }[] };
  const all = new Float32Array(readFileSync(join(dir, 'weights.bin')).buffer.slice(0));
  const weight = (name: string): Float32Array => {
    let offset = 0;
    for (const spec of manifest.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (spec.name === name) return all.subarray(offset, offset + size);
      offset += size;
    }
    throw new Error(`no ${name}`);
  };
  assert.deepEqual(weight('encoder.conv1/kernel'), resnet18File().conv1, 'conv1 exactly as the file holds it after two steps at lr 0.01');
  const bias = weight('segmentation_head.0/bias');
  assert.ok(
    bias.some((b) => b !== 0),
    'the head trained (its bias starts at zero)',
  );
});
