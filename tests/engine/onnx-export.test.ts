import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TestContext } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { onnx } from 'onnx-proto';
import { exportOnnx, exportOnnxAsync, onnxOpset } from '../../src-main/engine/export/onnx-export';
import { createModel, modelNames } from '../../src-main/engine/models/registry';
import type { ModelOptions } from '../../src-main/engine/models/registry-types';
import { createOrtSession, loadOrt, releaseOrtSession, runOrt } from '../../src-main/engine/onnx/ort-session';
import { mulberry32 } from '../../src-shared/random';
import type { ModelName } from '../../src-shared/run-config';
import { randomArray, tf, wasmReady } from '../helpers/tf';

/**
 * The ONNX export run by ONNX Runtime gives the tfjs model's logits. Tolerance: the largest
 * absolute difference at most 1e-4 of the largest absolute logit (float32 sums in another order:
 * measured about 1e-6 relative), and the argmax equal at every pixel except where tfjs's top two
 * logits are closer than that tolerance.
 */
const relativeTolerance = 1e-4;
const classes = 6;

before(wasmReady);

/** ORT, or the reason the test skips (the tests run wherever onnxruntime-node loads). */
async function ortOrSkip(t: TestContext): Promise<boolean> {
  const { ort, reason } = await loadOrt();
  if (!ort) t.skip(`onnxruntime-node cannot load here: ${reason}`);
  return ort !== null;
}

const tiny: Record<ModelName, Partial<ModelOptions>> = {
  unet: { depth: 2, width: 4 },
  'unet-mobilenetv2': { width: 4, alpha: 0.25 },
  deeplabv3plus: { width: 8, alpha: 0.25 },
  fpn: { width: 8, alpha: 0.25 },
};

function build(name: ModelName, inputChannels: number, inputSize: number): tfl.LayersModel {
  return createModel(name, { classes, inputChannels, inputSize, ...tiny[name] }, 11);
}

/**
 * Batch-norm statistics and scales away from their initial 0 and 1, and every bias non-zero, so an
 * export that drops any of them (or uses batch statistics) gives other logits.
 */
function randomiseStatistics(model: tfl.LayersModel, seed: number): void {
  const random = mulberry32(seed);
  const uniform = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * random());
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const replaced = layer.weights.map((variable) => {
      const role = variable.originalName.split('/').pop();
      const n = variable.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const value =
        role === 'moving_mean'
          ? uniform(n, -0.5, 0.5)
          : role === 'moving_variance'
            ? uniform(n, 0.3, 2)
            : role === 'gamma'
              ? uniform(n, 0.5, 1.5)
              : role === 'beta' || role === 'bias'
                ? uniform(n, -0.3, 0.3)
                : null;
      return value ? tf.tensor(value, variable.shape as number[]) : variable.read().clone();
    });
    layer.setWeights(replaced);
    tf.dispose(replaced);
  }
}

interface Comparison {
  maxAbsDiff: number;
  scale: number;
  argmaxDisagreements: number;
  unexplained: number;
}

function compare(actual: Float32Array, expected: Float32Array, channels: number): Comparison {
  assert.equal(actual.length, expected.length, 'logit count');
  let maxAbsDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i += 1) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  const tolerance = relativeTolerance * scale;
  let argmaxDisagreements = 0;
  let unexplained = 0;
  for (let p = 0; p < expected.length; p += channels) {
    let best = 0;
    let other = 0;
    for (let c = 1; c < channels; c += 1) if (actual[p + c]! > actual[p + best]!) best = c;
    for (let c = 1; c < channels; c += 1) if (expected[p + c]! > expected[p + other]!) other = c;
    if (best === other) continue;
    argmaxDisagreements += 1;
    // A tie within the tolerance may go either way; anything else is a real difference.
    if (Math.abs(expected[p + best]! - expected[p + other]!) > tolerance) unexplained += 1;
  }
  return { maxAbsDiff, scale, argmaxDisagreements, unexplained };
}

async function tfjsLogits(model: tfl.LayersModel, input: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
  const x = tf.tensor4d(input, shape);
  const y = model.predict(x) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return values;
}

async function ortLogits(bytes: Uint8Array, input: Float32Array, shape: [number, number, number, number]): Promise<{ logits: Float32Array; shape: number[] }> {
  const opened = await createOrtSession(bytes, { intraOpThreads: 1 });
  assert.ok(opened.session, opened.reason);
  try {
    return await runOrt(opened.session, input, shape);
  } finally {
    await releaseOrtSession(opened.session);
  }
}

function assertEqualLogits(what: string, actual: Float32Array, expected: Float32Array): Comparison {
  const result = compare(actual, expected, classes);
  const relative = result.maxAbsDiff / Math.max(result.scale, 1e-6);
  console.log(
    `# ${what}: max abs diff ${result.maxAbsDiff.toExponential(2)} over logits up to ${result.scale.toFixed(2)} (${relative.toExponential(2)} relative); argmax differs at ${result.argmaxDisagreements} pixel(s), all near-ties: ${result.unexplained === 0}`,
  );
  assert.ok(result.scale > 0, `${what}: logits all zero`);
  assert.ok(relative <= relativeTolerance, `${what}: max abs diff ${result.maxAbsDiff} is more than ${relativeTolerance} of the logits' scale ${result.scale}`);
  assert.equal(result.unexplained, 0, `${what}: argmax differs beyond near-ties`);
  return result;
}

for (const name of modelNames) {
  for (const channels of [3, 5]) {
    test(`${name}, ${channels} input channels: ONNX Runtime's logits equal tfjs's (batch 2, 64 px, batch-norm statistics set)`, async (t) => {
      if (!(await ortOrSkip(t))) return;
      const model = build(name, channels, 64);
      randomiseStatistics(model, 7 + channels);
      const meta = { model: name, classes: ['a', 'b', 'c', 'd', 'e', 'f'], inputChannels: channels, stride: 32, normalize: { mean: [0.5], std: [0.25] } };
      const bytes = exportOnnx(model, meta);
      const shape: [number, number, number, number] = [2, 64, 64, channels];
      const input = randomArray(2 * 64 * 64 * channels, 100 + channels, 2);
      const expected = await tfjsLogits(model, input, shape);
      const actual = await ortLogits(bytes, input, shape);
      assert.deepEqual(actual.shape, [2, 64, 64, classes]);
      assertEqualLogits(`${name} ${channels}ch`, actual.logits, expected);

      // The file: opset 17, NHWC input with dynamic batch, height and width, the metadata as strings.
      const proto = onnx.ModelProto.decode(bytes);
      assert.equal(Number(proto.opsetImport[0]!.version), onnxOpset);
      const graph = proto.graph!;
      const inputDims = graph.input![0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
      assert.deepEqual(inputDims, ['batch', 'height', 'width', channels]);
      const props = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
      assert.deepEqual(props, {
        model: name,
        classes: JSON.stringify(meta.classes),
        inputChannels: String(channels),
        stride: '32',
        normalize: JSON.stringify(meta.normalize),
      });
      // Inference-mode batch norm: never ONNX's training outputs.
      assert.ok(graph.node!.filter((n) => n.opType === 'BatchNormalization').every((n) => n.output?.length === 1));
      // The async reader writes the same file.
      assert.deepEqual(await exportOnnxAsync(model, meta), bytes);
      model.dispose();
    });
  }
}

for (const name of modelNames) {
  test(`${name}: one export runs at 64 px and at 96 px (batch 1), equal to tfjs models built for each size with the same weights`, async (t) => {
    if (!(await ortOrSkip(t))) return;
    const small = build(name, 3, 64);
    randomiseStatistics(small, 21);
    const bytes = exportOnnx(small, {});
    const large = build(name, 3, 96);
    large.setWeights(small.getWeights());
    for (const [model, size, batch] of [
      [small, 64, 2],
      [large, 96, 1],
    ] as const) {
      const shape: [number, number, number, number] = [batch, size, size, 3];
      const input = randomArray(batch * size * size * 3, 300 + size, 2);
      const actual = await ortLogits(bytes, input, shape);
      assert.deepEqual(actual.shape, [batch, size, size, classes]);
      assertEqualLogits(`${name} at ${size} px`, actual.logits, await tfjsLogits(model, input, shape));
    }
    small.dispose();
    large.dispose();
  });
}

const encoderCases = [
  ['unet', 64, 'resnet18'],
  ['fpn', 64, 'resnet18'],
  ['deeplabv3plus', 48, 'resnet18'],
  ['unet', 64, 'mobilenet_v2'],
  ['fpn', 64, 'efficientnet-b0'],
  ['deeplabv3plus', 64, 'mobilenet_v2'],
] as const;
for (const [name, size, encoder] of encoderCases) {
  test(`${name} on a ${encoder} encoder: ONNX Runtime's logits equal tfjs's at ${size} px (explicit padding, dilated or depthwise stages, squeeze-and-excitation, batch-norm statistics set)`, async (t) => {
    if (!(await ortOrSkip(t))) return;
    const model = createModel(name, { classes, inputChannels: 3, inputSize: size, encoder, ...(name === 'unet' ? {} : { width: 16 }) }, 5);
    randomiseStatistics(model, 31);
    const shape: [number, number, number, number] = [1, size, size, 3];
    const input = randomArray(size * size * 3, 400 + size, 2);
    const actual = await ortLogits(exportOnnx(model, {}), input, shape);
    assert.deepEqual(actual.shape, [1, size, size, classes]);
    assertEqualLogits(`${name} ${encoder}`, actual.logits, await tfjsLogits(model, input, shape));
    model.dispose();
  });
}

/** Every other layer and option the export writes, each in a tiny model of its own, at odd and even sizes. */
const layerCases: [string, (x: tfl.SymbolicTensor) => tfl.SymbolicTensor][] = [
  ['conv 3x3 stride 2 valid, relu', (x) => tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, activation: 'relu' }).apply(x) as tfl.SymbolicTensor],
  [
    'conv 5x5 stride 2 same, relu6',
    (x) => tfl.layers.conv2d({ filters: 6, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu6' }).apply(x) as tfl.SymbolicTensor,
  ],
  [
    'conv 3x3 dilation 3 same, no bias, elu',
    (x) => tfl.layers.conv2d({ filters: 6, kernelSize: 3, dilationRate: 3, padding: 'same', useBias: false, activation: 'elu' }).apply(x) as tfl.SymbolicTensor,
  ],
  [
    'depthwise 3x3 x2 stride 2 same, bias, softplus',
    (x) =>
      tfl.layers
        .depthwiseConv2d({
          kernelSize: 3,
          depthMultiplier: 2,
          strides: 2,
          padding: 'same',
          useBias: true,
          biasInitializer: 'randomNormal',
          activation: 'softplus',
        })
        .apply(x) as tfl.SymbolicTensor,
  ],
  [
    'transposed conv 3x3 stride 2 valid, tanh',
    (x) => tfl.layers.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, activation: 'tanh' }).apply(x) as tfl.SymbolicTensor,
  ],
  [
    'transposed conv 4x4 stride 2 same, sigmoid',
    (x) => tfl.layers.conv2dTranspose({ filters: 6, kernelSize: 4, strides: 2, padding: 'same', activation: 'sigmoid' }).apply(x) as tfl.SymbolicTensor,
  ],
  [
    'transposed conv 3x3 stride 2 same, swish',
    (x) => tfl.layers.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'swish' }).apply(x) as tfl.SymbolicTensor,
  ],
  ['max pool 3 stride 2 same', (x) => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tfl.SymbolicTensor],
  [
    'average pool 3 stride 1 same (padding not counted)',
    (x) => tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(x) as tfl.SymbolicTensor,
  ],
  [
    'batch norm without scale or centre, leaky relu, dropout',
    (x) => {
      const bn = tfl.layers
        .batchNormalization({ scale: false, center: false, movingVarianceInitializer: 'ones', movingMeanInitializer: 'randomNormal' })
        .apply(x);
      return tfl.layers.dropout({ rate: 0.5 }).apply(tfl.layers.leakyReLU({ alpha: 0.2 }).apply(bn)) as tfl.SymbolicTensor;
    },
  ],
  // ORT folds a Pad into the max pool after it (pads below the kernel, as ResNet's 1 before a 3x3
  // pool), and a folded pad is -inf, not 0: equal only on non-negative input, as after ResNet's ReLU.
  [
    'relu, zero padding 1, then max pool 3 stride 2 valid',
    (x) =>
      tfl.layers
        .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' })
        .apply(tfl.layers.zeroPadding2d({ padding: 1 }).apply(tfl.layers.reLU().apply(x))) as tfl.SymbolicTensor,
  ],
  [
    'zero padding top 2, bottom 0, left 1, right 3, then conv 3x3 stride 2 valid',
    (x) =>
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2 }).apply(
        tfl.layers
          .zeroPadding2d({
            padding: [
              [2, 0],
              [1, 3],
            ],
          })
          .apply(x),
      ) as tfl.SymbolicTensor,
  ],
  [
    'softmax over channels, bilinear x3',
    (x) => tfl.layers.upSampling2d({ size: [3, 3], interpolation: 'bilinear' }).apply(tfl.layers.softmax({ axis: -1 }).apply(x)) as tfl.SymbolicTensor,
  ],
  [
    'multiply, maximum, minimum, average',
    (x) => {
      const a = tfl.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
      const b = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as tfl.SymbolicTensor;
      const parts = [
        tfl.layers.multiply().apply([a, b]),
        tfl.layers.maximum().apply([a, b]),
        tfl.layers.minimum().apply([a, b]),
        tfl.layers.average().apply([a, b]),
      ];
      return tfl.layers.concatenate({ axis: 3 }).apply(parts as tfl.SymbolicTensor[]) as tfl.SymbolicTensor;
    },
  ],
];

for (const [what, layers] of layerCases) {
  test(`one layer at a time: ${what} equals tfjs at 15 and 16 px`, async (t) => {
    if (!(await ortOrSkip(t))) return;
    for (const size of [15, 16]) {
      const input = tfl.input({ shape: [size, size, 4] });
      const model = tfl.model({ inputs: input, outputs: layers(input) });
      const shape: [number, number, number, number] = [2, size, size, 4];
      const data = randomArray(2 * size * size * 4, size, 2);
      const expected = await tfjsLogits(model, data, shape);
      const actual = await ortLogits(exportOnnx(model, {}), data, shape);
      assert.deepEqual(
        actual.shape,
        (model.outputs[0]!.shape as number[]).map((d, i) => (i === 0 ? 2 : d)),
      );
      const { maxAbsDiff, scale } = compare(actual.logits, expected, actual.shape[3]!);
      assert.ok(maxAbsDiff <= relativeTolerance * Math.max(scale, 1), `${what} at ${size} px: max abs diff ${maxAbsDiff} over logits up to ${scale}`);
      model.dispose();
    }
  });
}

test('a model that only works at its built size keeps that height and width (a pooled 1x1 map upsampled to another size)', async (t) => {
  if (!(await ortOrSkip(t))) return;
  const input = tfl.input({ shape: [16, 16, 4] });
  const pooled = tfl.layers.averagePooling2d({ poolSize: 16 }).apply(input);
  const spread = tfl.layers.upSampling2d({ size: [4, 4] }).apply(pooled) as tfl.SymbolicTensor;
  const local = tfl.layers.maxPooling2d({ poolSize: 4 }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.add().apply([spread, local]) as tfl.SymbolicTensor });
  const bytes = exportOnnx(model, {});
  const graph = onnx.ModelProto.decode(bytes).graph!;
  const dims = (value: onnx.IValueInfoProto): (string | number)[] => value.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(dims(graph.input![0]!), ['batch', 16, 16, 4]);
  assert.deepEqual(dims(graph.output![0]!), ['batch', 4, 4, 4]);
  const data = randomArray(2 * 16 * 16 * 4, 5, 2);
  const actual = await ortLogits(bytes, data, [2, 16, 16, 4]);
  const { maxAbsDiff } = compare(actual.logits, await tfjsLogits(model, data, [2, 16, 16, 4]), 4);
  assert.ok(maxAbsDiff < 1e-5, `${maxAbsDiff}`);
  model.dispose();
});

test('a layer the export does not know is refused with its class name', () => {
  const input = tfl.input({ shape: [16, 16, 3] });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
  const normed = tfl.layers.layerNormalization({ name: 'norm' }).apply(conv) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: normed });
  assert.throws(() => exportOnnx(model, {}), { code: 'VALIDATION', message: /layer "norm" is a LayerNormalization, which the ONNX export does not know/ });
  model.dispose();
});

test('a fused activation the export does not write is refused naming the layer and the activation', () => {
  const input = tfl.input({ shape: [16, 16, 3] });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'selu', name: 'odd' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: conv });
  assert.throws(() => exportOnnx(model, {}), { code: 'VALIDATION', message: /layer "odd" \(Conv2D\) has activation "selu"/ });
  model.dispose();
});
