import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { FusedBatchNormalization, batchNormTraining } from '../../../src-main/engine/models/batch-norm';
import { randomArray, relativeError, tf, wasmReady } from '../../helpers/tf';

before(wasmReady);

/** The same layer twice: tfjs-layers' BatchNormalization and SegBench's, with equal random weights. */
function layerPair(channels: number, seed: number) {
  const args = { momentum: 0.9, epsilon: 1e-5 };
  const reference = tfl.layers.batchNormalization(args);
  const fused = new FusedBatchNormalization(args);
  for (const layer of [reference, fused]) layer.build([null, 5, 7, channels]);
  const values = [1, 2, 3, 4].map((k) => randomArray(channels, seed + k, 0.5));
  values[3] = values[3]!.map((v) => 1 + Math.abs(v)); // a positive moving variance
  values[0] = values[0]!.map((v) => 1 + v); // gamma around 1
  for (const layer of [reference, fused]) layer.setWeights(values.map((v) => tf.tensor1d(v)));
  return { reference, fused };
}

test('fused batch norm: training output, gradients of x, gamma and beta, and running averages match tfjs-layers (wasm)', async () => {
  const shapes: [number, [number, number, number, number]][] = [
    [1, [2, 5, 7, 3]],
    [2, [3, 4, 6, 8]],
    [3, [1, 9, 5, 16]],
  ];
  for (const [seed, shape] of shapes) {
    const channels = shape[3];
    const { reference, fused } = layerPair(channels, seed * 10);
    const xs = randomArray(
      shape.reduce((a, b) => a * b, 1),
      seed,
      3,
    ).map((v, i) => v + (i % channels)); // channel offsets
    const dys = randomArray(xs.length, seed + 100);
    const run = (layer: tfl.layers.Layer) =>
      tf.tidy(() => {
        const x = tf.tensor4d(xs, [...shape]);
        const dy = tf.tensor4d(dys, [...shape]);
        const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const f = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)) as tf.Scalar;
        const dx = tf.grad(f)(x);
        const { grads } = tf.variableGrads(() => f(x), weights);
        const out = layer.apply(x, { training: true }) as tf.Tensor;
        return [out, dx, ...weights.map((w) => grads[w.name]!)].map((t) => t.dataSync() as Float32Array);
      });
    const expected = run(reference);
    const actual = run(fused);
    const labels = ['output', 'dx', 'dgamma', 'dbeta'];
    for (const [i, label] of labels.entries()) {
      const error = relativeError(actual[i]!, expected[i]!);
      assert.ok(error < 2e-5, `${label} of ${JSON.stringify(shape)}: relative error ${error}`);
    }
    // Both layers ran training steps the same number of times: equal running averages.
    const [rMean, rVar] = reference
      .getWeights()
      .slice(2)
      .map((t) => t.dataSync() as Float32Array);
    const [fMean, fVar] = fused
      .getWeights()
      .slice(2)
      .map((t) => t.dataSync() as Float32Array);
    assert.ok(relativeError(fMean!, rMean!) < 1e-5 && relativeError(fVar!, rVar!) < 1e-5, 'running mean and variance');
  }
});

test('fused batch norm: inference uses the running averages; the layer serialises as a standard BatchNormalization', async () => {
  const { reference, fused } = layerPair(4, 7);
  const x = tf.tensor4d(randomArray(2 * 3 * 3 * 4, 9), [2, 3, 3, 4]);
  const a = (reference.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
  const b = (fused.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
  assert.ok(relativeError(b, a) < 1e-6);
  assert.equal(fused.getClassName(), 'BatchNormalization');
  assert.deepEqual(fused.getConfig(), { ...reference.getConfig(), name: fused.name });
  x.dispose();
});

test('fused batch norm: no tensor survives a training gradient', async () => {
  const x = tf.tensor4d(randomArray(2 * 4 * 4 * 3, 5), [2, 4, 4, 3]);
  const gamma = tf.ones([3]);
  const beta = tf.zeros([3]);
  const before = tf.memory().numTensors;
  const dx = tf.grad((input: tf.Tensor) => {
    const { y, mean, variance } = batchNormTraining(input, gamma, beta, 1e-5);
    tf.dispose([mean, variance]);
    return tf.sum(tf.square(y));
  })(x);
  dx.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, gamma, beta]);
});
