import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createModel, modelNames } from '../../../src-main/engine/models/registry';
import { tf, wasmReady } from '../../helpers/tf';

before(wasmReady);

for (const name of modelNames) {
  // Seven input channels (a multispectral run); every other test trains three.
  test(`${name}: 7 input channels, logits of the input's size and one class axis; one backward step moves every weight`, () => {
    const model = createModel(name, { classes: 5, inputChannels: 7, inputSize: 32 });
    const x = tf.randomNormal([2, 32, 32, 7]);
    const labels = tf.randomUniform([2, 32, 32], 0, 5, 'int32');
    const out = model.apply(x, { training: true }) as tf.Tensor;
    assert.deepEqual(out.shape, [2, 32, 32, 5]);
    out.dispose();
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 5), logits) as tf.Scalar;
    }, weights);
    assert.ok(Number.isFinite(value.dataSync()[0]!));
    // Every gradient is finite; every kernel gets a non-zero one. (A batch-norm offset that feeds,
    // through a conv, into another batch norm has an exactly cancelled gradient: not checked.)
    const finite = weights.every((w) => tf.tidy(() => tf.all(tf.isFinite(grads[w.name]!)).dataSync()[0]) === 1);
    assert.ok(finite, 'all gradients finite');
    const zero = weights
      .filter((w) => w.name.includes('kernel'))
      .filter((w) => tf.tidy(() => tf.max(tf.abs(grads[w.name]!)).dataSync()[0]) === 0)
      .map((w) => w.name);
    assert.deepEqual(zero, [], 'every kernel gets a gradient');
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    tf.dispose([x, labels]);
    model.dispose();
  });
}

test('the reference U-Net of docs/engine-notes.md (depth 4, width 16, 6 classes) has about 1.95 M parameters', () => {
  const model = createModel('unet', { classes: 6, inputChannels: 3, inputSize: 128, depth: 4, width: 16 });
  const count = model.countParams();
  assert.ok(Math.abs(count - 1.95e6) / 1.95e6 < 0.01, `${count}`);
  model.dispose();
});

test('unknown names list the valid ones; a size off the stride suggests the nearest valid sizes', () => {
  assert.throws(() => createModel('segformer', { classes: 2, inputChannels: 3, inputSize: 64 }), {
    code: 'VALIDATION',
    message: 'Unknown model "segformer". Valid models: unet, unet-mobilenetv2, deeplabv3plus, fpn.',
  });
  assert.throws(() => createModel('fpn', { classes: 2, inputChannels: 3, inputSize: 250 }), {
    message: 'Input size 250 does not fit fpn: it must be a multiple of 32. Nearest valid: 224 or 256.',
  });
  assert.throws(() => createModel('unet', { classes: 2, inputChannels: 3, inputSize: 100, depth: 3 }), {
    message: /multiple of 8\. Nearest valid: 96 or 104\./,
  });
});
