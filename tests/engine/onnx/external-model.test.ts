import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { normalizationFor } from '../../../src-shared/external-model';
import type { ExternalModel } from '../../../src-shared/external-model';
import { decodeImage } from '../../../src-main/engine/data/decode';
import { externalPredictor, looksLikeProbabilities, nchwToNhwc, nhwcToNchw } from '../../../src-main/engine/onnx/external-model';
import { inferenceProviders } from '../../../src-main/engine/onnx/ort-session';

const fixture = resolve('tests/fixtures/onnx');

function record(file: string, layout: 'nchw' | 'nhwc', output: 'logits' | 'probabilities'): ExternalModel {
  const norm = normalizationFor('imagenet', 3);
  assert.ok('normalization' in norm);
  return {
    kind: 'onnx',
    file: join(fixture, file),
    source: join(fixture, file),
    bytes: 0,
    layout,
    output,
    channels: 3,
    classes: 6,
    stride: 8,
    fixedSize: null,
    normalization: norm.normalization,
    normalizationSource: 'imagenet',
    classOrder: [0, 1, 2, 3, 4, 5],
    findings: [],
  };
}

/** PyTorch's logits of val_1 (NHWC float32, written by make_fixture.py), as softmax probabilities in float64. */
function torchProbabilities(): Float64Array {
  const buffer = readFileSync(join(fixture, 'val_1.logits.bin'));
  const logits = new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4);
  const out = new Float64Array(logits.length);
  for (let p = 0; p < logits.length; p += 6) {
    let max = -Infinity;
    for (let c = 0; c < 6; c += 1) max = Math.max(max, logits[p + c]!);
    let sum = 0;
    for (let c = 0; c < 6; c += 1) sum += Math.exp(logits[p + c]! - max);
    for (let c = 0; c < 6; c += 1) out[p + c] = Math.exp(logits[p + c]! - max) / sum;
  }
  return out;
}

for (const [file, layout, output] of [
  ['unet-nchw-logits.onnx', 'nchw', 'logits'],
  ['unet-nhwc-probs.onnx', 'nhwc', 'probabilities'],
] as const) {
  test(`${file} through ONNX Runtime gives PyTorch's probabilities on val_1 (within 1e-5)`, async () => {
    const image = await decodeImage(join(fixture, 'images', 'val_1.png'));
    const { predictor, release } = await externalPredictor(record(file, layout, output), 1);
    try {
      const probs = await predictor.probabilities([image.data], 128, record(file, layout, output).normalization);
      const reference = torchProbabilities();
      assert.equal(probs.length, reference.length);
      let worst = 0;
      for (let i = 0; i < probs.length; i += 1) worst = Math.max(worst, Math.abs(probs[i]! - reference[i]!));
      assert.ok(worst < 1e-5, `largest difference ${worst}`);
    } finally {
      await release();
    }
  });
}

test('a classes order takes each dataset class from its model channel', async () => {
  const image = await decodeImage(join(fixture, 'images', 'val_1.png'));
  const plain = record('unet-nchw-logits.onnx', 'nchw', 'logits');
  const swapped = { ...plain, classOrder: [4, 1, 2, 3, 0, 5] };
  const a = await externalPredictor(plain, 1);
  const b = await externalPredictor(swapped, 1);
  try {
    const p = await a.predictor.probabilities([image.data], 128, plain.normalization);
    const q = await b.predictor.probabilities([image.data], 128, plain.normalization);
    for (let px = 0; px < 100; px += 1) {
      assert.equal(q[px * 6]!, p[px * 6 + 4]!);
      assert.equal(q[px * 6 + 4]!, p[px * 6]!);
      assert.equal(q[px * 6 + 2]!, p[px * 6 + 2]!);
    }
  } finally {
    await a.release();
    await b.release();
  }
});

test('layout conversions move each value to its place and back', () => {
  // n=1, h=1, w=2, c=3: NHWC [p0c0 p0c1 p0c2 p1c0 p1c1 p1c2]
  const nhwc = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const nchw = nhwcToNchw(nhwc, 1, 1, 2, 3);
  assert.deepEqual([...nchw], [1, 4, 2, 5, 3, 6]);
  assert.deepEqual([...nchwToNhwc(nchw, 1, 3, 1, 2)], [...nhwc]);
});

test('probabilities are told from logits by range and per-pixel sums', () => {
  assert.equal(looksLikeProbabilities({ values: Float32Array.from([0.2, 0.8, 0.5, 0.5]), classes: 2 }), true);
  assert.equal(looksLikeProbabilities({ values: Float32Array.from([0.2, 0.7, 0.5, 0.5]), classes: 2 }), false);
  assert.equal(looksLikeProbabilities({ values: Float32Array.from([-1.5, 2.5, 0.5, 0.5]), classes: 2 }), false);
});

test('imported models try DirectML on Windows, CUDA on Linux only where its library is installed, and the CPU last', () => {
  assert.deepEqual(inferenceProviders('win32', false).providers, ['dml', 'cpu']);
  assert.deepEqual(inferenceProviders('linux', true).providers, ['cuda', 'cpu']);
  const plain = inferenceProviders('linux', false);
  assert.deepEqual(plain.providers, ['cpu']);
  assert.match(plain.reason, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  assert.deepEqual(inferenceProviders('darwin', false).providers, ['cpu']);
});
