import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { before, test } from 'node:test';
import type * as tfl from '@tensorflow/tfjs-layers';
import { softmaxAt } from '../../../src-shared/distill';
import type { ExternalModel } from '../../../src-shared/external-model';
import type { RunConfig } from '../../../src-shared/run-config';
import { teacherTargets } from '../../../src-main/engine/losses/distill';
import { externalPredictor } from '../../../src-main/engine/onnx/external-model';
import { disposeTeacher, loadTeacher, logitsFromProbabilities, softTargets } from '../../../src-main/engine/train/distillation';
import { tf, wasmReady } from '../../helpers/tf';

before(wasmReady);

const close = (actual: readonly number[], expected: readonly number[], label: string, tolerance = 1e-5) =>
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) < tolerance, `${label}[${i}]: ${a} != ${expected[i]}`));

test('probabilities become logits whose softmax at T is softmax(log p / T), zeros clamped at 1e-7', () => {
  const pixels = [
    [0.7, 0.2, 0.1],
    [0.5, 0.5, 0],
  ];
  for (const temperature of [1, 2, 4]) {
    const targets = tf.tidy(() =>
      teacherTargets(logitsFromProbabilities(tf.tensor4d(pixels.flat(), [1, 1, 2, 3])), tf.eye(3) as tf.Tensor2D, temperature).dataSync(),
    );
    pixels.forEach((p, i) =>
      close(
        [...targets.slice(i * 3, i * 3 + 3)],
        softmaxAt(
          p.map((v) => Math.log(Math.max(v, 1e-7))),
          temperature,
        ),
        `T=${temperature} pixel ${i}`,
      ),
    );
  }
  // At T = 1 the targets are the probabilities themselves; at T = 2, p^(1/2) normalised: [0.7, 0.2, 0.1] -> sqrt ratios.
  const roots = [0.7, 0.2, 0.1].map(Math.sqrt);
  const sum = roots.reduce((a, b) => a + b, 0);
  const t2 = tf.tidy(() => [...teacherTargets(logitsFromProbabilities(tf.tensor4d([0.7, 0.2, 0.1], [1, 1, 1, 3])), tf.eye(3) as tf.Tensor2D, 2).dataSync()]);
  close(
    t2,
    roots.map((r) => r / sum),
    'T=2 by hand',
  );
});

/** The fixture's PyTorch U-Net as the importer records it (NCHW logits, stride 8, ImageNet normalisation). */
const fixtureModel: ExternalModel = {
  kind: 'onnx',
  file: resolve('tests/fixtures/onnx/unet-nchw-logits.onnx'),
  source: resolve('tests/fixtures/onnx/unet-nchw-logits.onnx'),
  bytes: 0,
  layout: 'nchw',
  output: 'logits',
  channels: 3,
  classes: 6,
  stride: 8,
  fixedSize: null,
  normalization: { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
  normalizationSource: 'test',
  classOrder: [0, 1, 2, 3, 4, 5],
  findings: [],
};

test("an imported ONNX teacher's soft targets for a crop are softmax(log p / T) of ONNX Runtime's probabilities, carried by the matrix", async () => {
  const size = 32;
  const temperature = 2;
  // Teacher class 0 goes 70/30 to student classes 0 and 1; the rest by identity onto 6 student classes.
  const matrix = [0, 1, 2, 3, 4, 5].map((t) => [0, 1, 2, 3, 4, 5].map((s) => (t === 0 ? (s === 0 ? 0.7 : s === 1 ? 0.3 : 0) : s === t ? 1 : 0)));
  const config = {
    distill: {
      teacherRunId: 'x',
      alpha: 0.5,
      temperature,
      matrix,
      teacher: { runDir: '', config: {}, classNames: ['a', 'b', 'c', 'd', 'e', 'f'], external: fixtureModel },
    },
  } as unknown as RunConfig;
  const student = { inputs: [{ shape: [null, size, size, 3] }] } as unknown as tfl.LayersModel;
  const events: string[] = [];
  const teacher = (await loadTeacher(config, student, (m) => events.push(m)))!;
  const crop = new Uint8Array(size * size * 3).map((_, i) => (i * 37 + (i >> 5) * 11) % 256);
  try {
    assert.equal(teacher.source.kind, 'onnx');
    assert.match(events.join('\n'), /The teacher is an imported ONNX model \(unet-nchw-logits\.onnx\)/);
    const soft = (await softTargets(teacher, [crop, crop], size))!;
    assert.deepEqual(soft.shape, [2, size, size, 6]);
    const got = soft.dataSync();
    soft.dispose();

    const own = await externalPredictor(fixtureModel, 1);
    const probs = await own.predictor.probabilities([crop], size, fixtureModel.normalization);
    await own.release();
    for (const pixel of [0, 17, 500, size * size - 1]) {
      const p = [...probs.slice(pixel * 6, pixel * 6 + 6)];
      const scaled = softmaxAt(
        p.map((v) => Math.log(Math.max(v, 1e-7))),
        temperature,
      );
      const expected = [0, 1, 2, 3, 4, 5].map((s) => scaled.reduce((acc, q, t) => acc + q * matrix[t]![s]!, 0));
      close([...got.slice(pixel * 6, pixel * 6 + 6)], expected, `pixel ${pixel}`, 1e-4);
      close([...got.slice((size * size + pixel) * 6, (size * size + pixel) * 6 + 6)], expected, `second crop, pixel ${pixel}`, 1e-4);
    }
  } finally {
    await disposeTeacher(teacher);
  }
  const wrongBands = { inputs: [{ shape: [null, size, size, 4] }] } as unknown as tfl.LayersModel;
  await assert.rejects(loadTeacher(config, wrongBands), /it takes 3 bands, the student 4/);
});
