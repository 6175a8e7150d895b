import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadResnetWeights, resnetEncoder } from '../../../src-main/engine/models/resnet';
import type { ResnetName } from '../../../src-main/engine/models/resnet';
import { parseSafetensors, readSafetensors } from '../../../src-main/engine/models/safetensors';
import { encodeSafetensors, floatBytes } from '../../helpers/safetensors';
import { seededValues as seededTensor } from '../../helpers/seeded-weights';
import type { TensorBytes } from '../../helpers/safetensors';
import { tf, wasmReady } from '../../helpers/tf';

/**
 * SegBench's ResNet encoders against torchvision's (tests/fixtures/encoders: make_fixture.py and
 * its README). Both sides draw the same weights from a seed; torchvision's features at each stage
 * are committed, SegBench's must equal them within 1e-4.
 */

before(wasmReady);

const fixtureDir = join(process.cwd(), 'tests', 'fixtures', 'encoders');

interface Feature {
  name: 'stem' | 'layer1' | 'layer2' | 'layer3' | 'layer4';
  stride: number;
  shape: number[];
  offset: number;
  length: number;
  maxAbs: number;
  torchFp32VsFp64: number;
}
interface FixtureCase {
  model: ResnetName;
  outputStride: 8 | 16 | 32;
  file: string;
  features: Feature[];
  weightsDtype?: 'F16' | 'BF16';
  bitsChecksum?: number;
}
interface Fixture {
  generator: { seed: number };
  input: { key: string; shapeNCHW: [number, number, number, number] };
  architectures: Record<ResnetName, [key: string, shape: number[], dtype: 'F32' | 'I64'][]>;
  cases: Record<string, FixtureCase>;
}

const fixture = JSON.parse(readFileSync(join(fixtureDir, 'resnet.json'), 'utf8')) as Fixture;
const stageNames = ['stem', 'layer1', 'layer2', 'layer3', 'layer4'];
const tolerance = 1e-4;

/** A tensor's seeded values (the fixture's generator). */
const seededValues = (key: string, shape: number[]): Float32Array => seededTensor(fixture.generator.seed, key, shape);

/** torchvision's state_dict for `model` (less fc), drawn from the seed, as safetensors tensors. */
function stateDict(model: ResnetName, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): TensorBytes[] {
  return fixture.architectures[model].map(([name, shape, kind]) =>
    kind === 'I64' ? { name, dtype: 'I64', shape, bytes: new Uint8Array(8) } : { name, dtype, shape, bytes: floatBytes(seededValues(name, shape), dtype) },
  );
}

const fileOf = (tensors: TensorBytes[], name = 'weights.safetensors') => parseSafetensors(encodeSafetensors(tensors), name);

function encoderModel(variant: ResnetName, options: { outputStride?: 8 | 16 | 32; channels?: number; size?: number } = {}): tfl.LayersModel {
  const size = options.size ?? 64;
  const input = tfl.input({ shape: [size, size, options.channels ?? 3], name: 'image' });
  const { stages } = resnetEncoder(input, variant, { outputStride: options.outputStride ?? 32 });
  return tfl.model({ inputs: input, outputs: stages, name: variant });
}

function seededInput(): tf.Tensor4D {
  const shape = fixture.input.shapeNCHW;
  return tf.tidy(() => tf.transpose(tf.tensor4d(seededValues(fixture.input.key, shape), shape), [0, 2, 3, 1]));
}

/** Max |SegBench - torch| per feature of a case, for `model` loaded with the case's weights. */
async function featureGaps(model: tfl.LayersModel, entry: FixtureCase): Promise<{ name: string; gap: number; text: string }[]> {
  const input = seededInput();
  const outputs = model.predict(input) as tf.Tensor[];
  const expected = readFileSync(join(fixtureDir, entry.file));
  const gaps = [];
  for (const feature of entry.features) {
    const output = outputs[stageNames.indexOf(feature.name)]!;
    assert.deepEqual(output.shape, feature.shape, `${feature.name} shape`);
    const actual = (await output.data()) as Float32Array;
    const torch = new Float32Array(
      expected.buffer.slice(expected.byteOffset + feature.offset * 4, expected.byteOffset + (feature.offset + feature.length) * 4),
    );
    let gap = 0;
    for (let i = 0; i < torch.length; i += 1) gap = Math.max(gap, Math.abs(actual[i]! - torch[i]!));
    gaps.push({ name: feature.name, gap, text: `${feature.name} (stride ${feature.stride}, max |x| ${feature.maxAbs.toFixed(2)}): ${gap.toExponential(2)}` });
  }
  tf.dispose([input, ...outputs]);
  return gaps;
}

for (const [name, entry] of Object.entries(fixture.cases)) {
  const dtype = entry.weightsDtype ?? 'F32';
  test(`${name}: features equal torchvision's within ${tolerance} at ${entry.features.map((f) => f.name).join(', ')} (weights ${dtype}, output stride ${entry.outputStride})`, async (t) => {
    const tensors = stateDict(entry.model, dtype);
    if (entry.bitsChecksum !== undefined) {
      // The test's own rounding to 16 bits is PyTorch's, checked over every weight.
      const sum = tensors
        .filter((x) => x.dtype !== 'I64')
        .reduce((acc, x) => acc + new Uint16Array(x.bytes.buffer, x.bytes.byteOffset, x.bytes.byteLength / 2).reduce((a, b) => a + b, 0), 0);
      assert.equal(sum, entry.bitsChecksum, `${dtype} rounding`);
    }
    const model = encoderModel(entry.model, { outputStride: entry.outputStride });
    const report = loadResnetWeights(model, fileOf(tensors, `${name}.safetensors`), `${name}.safetensors`, entry.model);
    assert.equal(report.loaded, tensors.filter((x) => x.dtype !== 'I64').length, 'every float tensor of the state_dict is loaded');
    assert.deepEqual(
      report.ignored,
      tensors.filter((x) => x.dtype === 'I64').map((x) => x.name),
      'only the step counters are left out',
    );
    const gaps = await featureGaps(model, entry);
    t.diagnostic(`${name} max |SegBench - torch|: ${gaps.map((g) => g.text).join('; ')}`);
    for (const { name: stage, gap } of gaps) assert.ok(gap <= tolerance, `${stage}: max |SegBench - torch| ${gap} > ${tolerance}`);
    model.dispose();
  });
}

// By hand: the full state_dicts as PyTorch writes them (make_fixture.py --weights DIR), read from disk.
const weightsDir = process.env['SEGBENCH_ENCODER_WEIGHTS'];
test(
  'state_dicts written by make_fixture.py --weights (F32, F16, BF16, fc included) read from disk give the same features',
  { skip: weightsDir ? false : 'set SEGBENCH_ENCODER_WEIGHTS to the folder make_fixture.py --weights wrote' },
  async (t) => {
    for (const [name, entry] of Object.entries(fixture.cases)) {
      const path = join(weightsDir!, `${entry.model}.${(entry.weightsDtype ?? 'F32').toLowerCase()}.safetensors`);
      if (!existsSync(path)) continue;
      const model = encoderModel(entry.model, { outputStride: entry.outputStride });
      const report = loadResnetWeights(model, await readSafetensors(path), path, entry.model);
      assert.deepEqual(
        report.ignored.filter((k) => !k.endsWith('num_batches_tracked')),
        ['fc.weight', 'fc.bias'],
      );
      const gaps = await featureGaps(model, entry);
      t.diagnostic(`${name} from ${path}: ${gaps.map((g) => g.text).join('; ')}`);
      for (const { name: stage, gap } of gaps) assert.ok(gap <= tolerance, `${name} ${stage}: ${gap}`);
      model.dispose();
    }
  },
);

test('a state_dict that does not fit is refused naming the tensors, and nothing is written', () => {
  const model = encoderModel('resnet18', { size: 32 });
  const kernel = model.getLayer('encoder.layer4.1.conv2').getWeights()[0]!;
  const before = kernel.dataSync().slice();
  const numTensors = tf.memory().numTensors;
  const r18 = stateDict('resnet18');
  const refuse = (tensors: TensorBytes[], message: string | RegExp) =>
    assert.throws(() => loadResnetWeights(model, fileOf(tensors, 'x.safetensors'), 'x.safetensors', 'resnet18'), { code: 'VALIDATION', message });
  refuse(
    stateDict('resnet34'),
    /^x\.safetensors does not fit the resnet18 encoder: 96 of its tensors map to no weight of the encoder \(layer1\.2\.conv1\.weight, layer1\.2\.bn1\.weight, .* and 90 more\)\. Give a resnet18 state_dict as timm or torchvision save it \(the classifier may be absent\)\.$/,
  );
  refuse(
    r18.filter((x) => x.name !== 'layer4.1.bn2.running_var'),
    /: it lacks 1 of the encoder's weights \(layer4\.1\.bn2\.running_var\)\./,
  );
  refuse(
    r18.map((x) => (x.name === 'layer1.0.conv1.weight' ? { ...x, shape: [64, 64, 1, 9] } : x)),
    /: 1 differ in shape, in PyTorch's layout \(layer1\.0\.conv1\.weight is \[64, 64, 1, 9\] in the file, \[64, 64, 3, 3\] in the encoder\)\./,
  );
  refuse(
    r18.map((x) => (x.name === 'bn1.bias' ? { ...x, dtype: 'I32' } : x)),
    /: 1 are not stored as F32, F16 or BF16 \(bn1\.bias \(I32\)\)\./,
  );
  refuse(
    [...r18, { name: 'head.fc.weight', dtype: 'F32', shape: [1], bytes: new Uint8Array(4) }],
    /: 1 of its tensors map to no weight of the encoder \(head\.fc\.weight\)\./,
  );
  assert.deepEqual(kernel.dataSync(), before, 'no weight written by a refused file');
  assert.equal(tf.memory().numTensors, numTensors, 'no tensor left behind');
  // The classifier (timm and torchvision keep fc.*) and the step counters are left out; timm's
  // files without num_batches_tracked load too.
  const fc = [
    { name: 'fc.weight', dtype: 'F32', shape: [2, 512], bytes: new Uint8Array(4096) },
    { name: 'fc.bias', dtype: 'F32', shape: [2], bytes: new Uint8Array(8) },
  ];
  assert.deepEqual(
    loadResnetWeights(model, fileOf([...r18, ...fc]), 'x', 'resnet18').ignored.filter((k) => k.startsWith('fc')),
    ['fc.weight', 'fc.bias'],
  );
  assert.deepEqual(loadResnetWeights(model, fileOf(r18.filter((x) => x.dtype !== 'I64')), 'x', 'resnet18').ignored, []);
  assert.equal(tf.memory().numTensors, numTensors, 'no tensor left behind');
  model.dispose();
});

test("an RGB conv1 starts a model of 1 or 5 input channels as timm's adapt_input_conv does (sum; channel c mod 3, times 3 / C)", () => {
  const rgb = seededValues('conv1.weight', [64, 3, 7, 7]);
  for (const channels of [1, 5]) {
    const model = encoderModel('resnet18', { channels, size: 32 });
    const report = loadResnetWeights(model, fileOf(stateDict('resnet18')), 'x', 'resnet18');
    assert.equal(report.adapted, 'conv1.weight');
    const kernel = model.getLayer('encoder.conv1').getWeights()[0]!;
    assert.deepEqual(kernel.shape, [7, 7, channels, 64]);
    const values = kernel.dataSync();
    let worst = 0;
    for (let o = 0; o < 64; o += 1) {
      for (let c = 0; c < channels; c += 1) {
        for (let h = 0; h < 7; h += 1) {
          for (let w = 0; w < 7; w += 1) {
            const at = (k: number) => rgb[((o * 3 + k) * 7 + h) * 7 + w]!;
            const expected = channels === 1 ? at(0) + at(1) + at(2) : at(c % 3) * (3 / channels);
            worst = Math.max(worst, Math.abs(values[((h * 7 + w) * channels + c) * 64 + o]! - expected));
          }
        }
      }
    }
    assert.ok(worst < 1e-6, `${channels} channels: ${worst}`);
    model.dispose();
  }
});

test('resnet18 at output stride 8 (atrous layer3 and layer4) under a 1x1 head: one backward step reaches every kernel, no tensor left', () => {
  const input = tfl.input({ shape: [32, 32, 3] });
  const { stages, strides } = resnetEncoder(input, 'resnet18', { outputStride: 8 });
  assert.deepEqual(strides, [2, 4, 8, 8, 8]);
  const head = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: 'logits' }).apply(stages[4]!) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: head });
  const x = tf.randomNormal([2, 32, 32, 3]);
  const labels = tf.randomUniform([2, 4, 4], 0, 3, 'int32');
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.apply(x, { training: true }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 3), logits) as tf.Scalar;
  }, weights);
  assert.ok(Number.isFinite(value.dataSync()[0]!));
  const zero = weights.filter((w) => w.name.includes('kernel')).filter((w) => tf.tidy(() => tf.max(tf.abs(grads[w.name]!)).dataSync()[0]) === 0);
  assert.deepEqual(
    zero.map((w) => w.name),
    [],
    'every kernel gets a gradient',
  );
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  tf.dispose([x, labels]);
  model.dispose();
});
