import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TestContext } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import { installGradients } from '../../../src-main/engine/backend/gradients';
import { startWebgpu } from '../../../src-main/engine/backend/webgpu';
import { getLoss } from '../../../src-main/engine/losses/registry';
import { batchNormTraining } from '../../../src-main/engine/models/batch-norm';
import { createModel, modelNames } from '../../../src-main/engine/models/registry';
import { randomArray, relativeError, tf, valuesOn } from '../../helpers/tf';
import { startSoftwareWebgpu } from '../../helpers/webgpu';

// Every kernel and gradient the models, losses and evaluation use, on WebGPU (Dawn on SwiftShader,
// a software Vulkan) against tfjs's cpu backend. Tiny shapes: SwiftShader is about 100x slower
// than a GPU and is here for correctness only.

let skip: string | null = null;
before(async () => {
  installGradients();
  const started = await startSoftwareWebgpu();
  if ('skip' in started) skip = started.skip;
});

const tolerance = 1e-4;
type Fn = (inputs: tf.Tensor[]) => tf.Tensor;

/** The forward value and the gradient of sum(f * dy) for every input, on WebGPU and on cpu; returns the worst relative error of each. */
async function compare(shapes: number[][], f: Fn, seed = 1): Promise<number[]> {
  const run = (backend: 'webgpu' | 'cpu') =>
    valuesOn(backend, () => {
      const inputs = shapes.map((shape, i) =>
        tf.tensor(
          randomArray(
            shape.reduce((a, b) => a * b, 1),
            seed + i,
          ),
          shape,
        ),
      );
      const y = f(inputs);
      const dy = tf.tensor(randomArray(y.size, seed + 99), y.shape);
      return [y, ...tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(xs), dy)))(inputs)];
    });
  const gpu = await run('webgpu');
  const cpu = await run('cpu');
  return cpu.map((expected, i) => relativeError(gpu[i]!, expected));
}

function skipped(t: TestContext): boolean {
  if (skip) t.skip(skip);
  return skip !== null;
}

test('a software adapter is found, named, and never chosen without being forced', async (t) => {
  if (skipped(t)) return;
  await assert.rejects(startWebgpu(false), /software adapter that runs on the CPU; it is never chosen automatically \(choose WebGPU to force it\)/);
  const forced = await startWebgpu(true);
  assert.equal(forced.adapter.software, true);
  assert.match(forced.device, /SwiftShader.*a software adapter \(CPU\); max buffer \d+ MiB, max storage binding \d+ MiB \(WebGPU on Dawn\)/);
  assert.ok(forced.adapter.limits.maxStorageBufferBindingSize >= 128 * 2 ** 20);
});

test('convolutions on WebGPU: stride, dilation (the project gradient), depthwise and transposed match cpu', async (t) => {
  if (skipped(t)) return;
  const x = [2, 9, 8, 4];
  const cases: [string, number[][], Fn][] = [
    ['conv 3x3 stride 1', [x, [3, 3, 4, 5]], ([a, w]) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')],
    ['conv 3x3 stride 2 valid', [x, [3, 3, 4, 6]], ([a, w]) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')],
    ['conv 1x1', [x, [1, 1, 4, 16]], ([a, w]) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')],
    ['conv 3x3 dilation 2 (DeepLabV3+)', [x, [3, 3, 4, 5]], ([a, w]) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2)],
    ['depthwise stride 1', [x, [3, 3, 4, 1]], ([a, w]) => tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')],
    ['depthwise stride 2', [x, [3, 3, 4, 1]], ([a, w]) => tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')],
    ['depthwise dilation 2', [x, [3, 3, 4, 1]], ([a, w]) => tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2)],
    [
      'transposed 2x2 stride 2 (U-Net)',
      [
        [2, 4, 4, 5],
        [2, 2, 3, 5],
      ],
      ([a, w]) => tf.conv2dTranspose(a as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 3], 2, 'same'),
    ],
  ];
  for (const [name, shapes, f] of cases) {
    const errors = await compare(shapes, f);
    assert.ok(
      errors.every((e) => e < tolerance),
      `${name}: ${errors.map((e) => e.toExponential(1)).join(', ')}`,
    );
  }
});

test('pooling, resizing, activations, concat and batch norm on WebGPU match cpu (forward and gradients)', async (t) => {
  if (skipped(t)) return;
  const x = [2, 8, 8, 8];
  const cases: [string, number[][], Fn][] = [
    ['max pool (MaxPoolGrad)', [x], ([a]) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'same')],
    ['average pool', [x], ([a]) => tf.avgPool(a as tf.Tensor4D, 2, 2, 'same')],
    ['global mean (ASPP pooling)', [x], ([a]) => tf.mean(a!, [1, 2], true)],
    ['bilinear x2', [x], ([a]) => tf.image.resizeBilinear(a as tf.Tensor4D, [16, 16])],
    ['bilinear x4', [[2, 4, 4, 3]], ([a]) => tf.image.resizeBilinear(a as tf.Tensor4D, [16, 16])],
    ['nearest x2 (FPN top-down)', [x], ([a]) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [16, 16])],
    ['nearest 1 to 4 (ASPP image pooling)', [[2, 1, 1, 8]], ([a]) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [4, 4])],
    ['relu6', [x], ([a]) => tf.relu6(tf.mul(a!, 8))],
    ['relu', [x], ([a]) => tf.relu(a!)],
    ['concat and add', [x, x], ([a, b]) => tf.add(tf.concat([a!, b!], 3), 1)],
    [
      'an int32 cast to float32, then transposed (the Cast fix)',
      [x],
      ([a]) => tf.transpose(tf.mul(tf.cast(tf.cast(tf.mul(a!, 10), 'int32'), 'float32'), a!), [0, 2, 1, 3]),
    ],
    ['batch norm in training (closed-form gradient)', [x, [8], [8]], ([a, g, b]) => batchNormTraining(a!, tf.add(g!, 2), b!, 1e-3).y],
  ];
  for (const [name, shapes, f] of cases) {
    const errors = await compare(shapes, f);
    assert.ok(
      errors.every((e) => e < tolerance),
      `${name}: ${errors.map((e) => e.toExponential(1)).join(', ')}`,
    );
  }
});

test('nearest-neighbour resize gradient on WebGPU equals a brute-force sum over the forward mapping', async (t) => {
  if (skipped(t)) return;
  const [b, h, w, c] = [2, 3, 3, 4];
  const n = b * h * w * c;
  const dyValues = randomArray(b * 8 * 7 * c, 5);
  const [source, grad] = await valuesOn('webgpu', () => {
    const index = tf.reshape(tf.range(0, n), [b, h, w, c]) as tf.Tensor4D;
    const dy = tf.tensor4d(dyValues, [b, 8, 7, c]);
    return [
      tf.image.resizeNearestNeighbor(index, [8, 7]),
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 7]), dy)))(index),
    ];
  });
  const brute = new Float32Array(n);
  source!.forEach((s, i) => (brute[s]! += dyValues[i]!));
  assert.ok(relativeError(grad!, brute) < 1e-6, `${relativeError(grad!, brute)}`);
});

test('every loss and its gradient on WebGPU match cpu, Lovasz included (sorted on the device)', async (t) => {
  if (skipped(t)) return;
  const labels = Int32Array.from({ length: 2 * 6 * 6 }, (_, i) => (i % 17 === 0 ? 255 : (i * 7) % 4));
  for (const name of ['ce', 'focal', 'dice', 'ce-dice', 'lovasz']) {
    const loss = getLoss(name);
    const errors = await compare(
      [[2, 6, 6, 4]],
      ([logits]) => loss(logits!, tf.tensor3d(labels, [2, 6, 6], 'int32'), { classWeights: [1, 2, 1, 3], focalGamma: 2 }),
      3,
    );
    assert.ok(
      errors.every((e) => e < tolerance),
      `${name}: ${errors.map((e) => e.toExponential(1)).join(', ')}`,
    );
  }
});

test('each model on WebGPU: same logits and the same gradient for every weight as on cpu', async (t) => {
  if (skipped(t)) return;
  for (const name of modelNames) {
    // Weights drawn once; inference-mode batch norm, so the comparison is of the kernels and not of
    // batch statistics over a 1x1 feature map (which amplify rounding without bound).
    const spec = { classes: 3, inputChannels: 3, inputSize: 32, ...(name === 'unet' ? { depth: 2, width: 4 } : {}) };
    const probe = createModel(name, spec);
    const shapes = probe.weights.map((w) => ({ shape: w.shape as number[], name: w.originalName }));
    probe.dispose();
    const weightValues = shapes.map(({ shape, name: weight }, i) => {
      const fanIn = Math.max(
        1,
        shape.slice(0, -1).reduce((a, b) => a * b, 1),
      );
      const positive = /gamma|variance/.test(weight);
      return randomArray(
        shape.reduce((a, b) => a * b, 1),
        7 + i,
        positive ? 0.2 : Math.sqrt(3 / fanIn),
      ).map((v) => (positive ? v + 1 : v));
    });
    const x = randomArray(2 * 32 * 32 * 3, 1);
    const labels = Int32Array.from({ length: 2 * 32 * 32 }, (_, i) => (i * 5) % 3);
    const run = (backend: 'webgpu' | 'cpu') => {
      let model: ReturnType<typeof createModel> | null = null;
      return valuesOn(backend, () => {
        model = createModel(name, spec);
        model.setWeights(weightValues.map((v, i) => tf.tensor(v, shapes[i]!.shape)));
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => {
          const logits = model!.apply(tf.tensor4d(x, [2, 32, 32, 3]), { training: false }) as tf.Tensor;
          return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor3d(labels, [2, 32, 32], 'int32'), 3), logits) as tf.Scalar;
        }, variables);
        return [value, ...variables.map((v) => grads[v.name]!)];
      }).finally(() => (model as { dispose(): void } | null)?.dispose());
    };
    const before = tf.memory().numTensors;
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    const worst = Math.max(...cpu.map((expected, i) => relativeError(gpu[i]!, expected)));
    assert.ok(worst < 1e-4, `${name}: worst relative error ${worst}`);
    assert.equal(tf.memory().numTensors, before, `${name}: no tensor left behind`);
  }
});
