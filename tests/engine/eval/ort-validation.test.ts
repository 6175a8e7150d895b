import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { validate } from '../../../src-main/engine/eval/validate';
import { createModel } from '../../../src-main/engine/models/registry';
import { ortPredictor, softmax } from '../../../src-main/engine/onnx/ort-predictor';
import type { ClassCounts } from '../../../src-shared/metrics';
import { randomArray, tf, wasmReady } from '../../helpers/tf';
import { tinySampleFolder } from '../../helpers/tiny-data';

before(wasmReady);

test('softmax over the last axis: known values, rows sum to 1, large logits do not overflow', () => {
  const out = softmax(Float32Array.from([0, 0, Math.log(2), 1000, 1000, 1000 + Math.log(3)]), 3);
  const expected = [0.25, 0.25, 0.5, 0.2, 0.2, 0.6];
  // float32 holds 1000 + log 3 to about 6e-5: the second row is exact to that.
  out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < (i < 3 ? 1e-6 : 1e-4), `${i}: ${v}`));
  assert.ok(Math.abs(out[3]! + out[4]! + out[5]! - 1) < 1e-6);
});

/** Pixels whose class differs between two count sets: the sum over classes of |tp difference|. */
const changed = (a: readonly ClassCounts[], b: readonly ClassCounts[]): number => a.reduce((n, c, i) => n + Math.abs(c.tp - b[i]!.tp), 0);

test('issue 29: validation on ONNX Runtime gives the counts, per-image counts and loss of validation on tfjs', async () => {
  const { items, labelMap } = await tinySampleFolder(6, 52);
  const model = createModel('unet', { classes: 6, inputChannels: 3, inputSize: 32, depth: 2, width: 4 }, 3);
  // Every weight random, batch-norm statistics included, so an export that dropped any would differ.
  model.setWeights(
    model.weights.map((w, i) => {
      const shape = w.shape as number[];
      const values = randomArray(
        shape.reduce((a, b) => a * b, 1),
        70 + i,
        0.5,
      );
      return tf.tensor(/moving_variance|gamma/.test(w.originalName) ? values.map((v) => 1 + Math.abs(v)) : values, shape);
    }),
  );
  const options = {
    size: 32,
    overlap: 0.25,
    normalization: { mean: [120, 120, 120], std: [60, 60, 60] },
    batchSize: 2,
    classes: 6,
    signal: new AbortController().signal,
  };
  const labels = new Map(labelMap);
  const onTfjs = await validate(model, items, labels, options);
  const ort = await ortPredictor(model, 2);
  assert.ok(ort.predictor, ort.reason);
  try {
    const onOrt = await validate(ort.predictor, items, labels, options);
    // Tolerance: the logits agree to about 1e-6 (tests/engine/onnx-export.test.ts), so a pixel may
    // change class only where its two best probabilities tie that closely: at most 1 pixel in
    // 5,000 (this random model, whose logits sit close together, has 1 of about 15,000).
    const pixels = onTfjs.counts.reduce((n, c) => n + c.tp + c.fn, 0);
    assert.ok(pixels > 10_000, `${pixels} labelled pixels`);
    assert.ok(changed(onOrt.counts, onTfjs.counts) <= pixels / 5000, `${changed(onOrt.counts, onTfjs.counts)} of ${pixels} pixels changed class`);
    assert.deepEqual(
      onOrt.imageCounts.map((i) => i.imageId),
      onTfjs.imageCounts.map((i) => i.imageId),
    );
    onOrt.imageCounts.forEach((image, k) => assert.ok(changed(image.counts, onTfjs.imageCounts[k]!.counts) <= 2, `image ${image.imageId}`));
    assert.ok(Math.abs(onOrt.loss! - onTfjs.loss!) < 1e-5 * onTfjs.loss!, `loss ${onOrt.loss} against ${onTfjs.loss}`);
  } finally {
    await ort.release();
  }
  model.dispose();
});
