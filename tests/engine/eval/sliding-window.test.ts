import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { flipImage, predictImage, predictWithTta, windowStarts } from '../../../src-main/engine/eval/sliding-window';
import { createModel } from '../../../src-main/engine/models/registry';
import { tf, wasmReady } from '../../helpers/tf';

before(wasmReady);

test('window starts overlap by the given share and the last window is flush with the far edge', () => {
  assert.deepEqual(windowStarts(100, 32, 0.25), [0, 24, 48, 68]);
  assert.deepEqual(windowStarts(32, 32, 0.25), [0]);
  assert.deepEqual(windowStarts(20, 32, 0.5), [0]);
});

test('flips move whole pixels of any channel count, bytes or floats', () => {
  // 3x1 pixels of 2 channels.
  assert.deepEqual(Array.from(flipImage(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 1, 'x', 2)), [5, 6, 3, 4, 1, 2]);
  assert.deepEqual(Array.from(flipImage(Uint8Array.from([1, 2, 3, 4, 5, 6]), 1, 2, 'y', 3)), [4, 5, 6, 1, 2, 3]);
});

test('float channels predict exactly as the same values in bytes, plain and with flip TTA; seven channels give whole probabilities', async () => {
  const width = 40;
  const height = 36;
  const rgbModel = createModel('unet', { classes: 3, inputChannels: 3, inputSize: 32, depth: 2, width: 4 }, 5);
  const bytes = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
  const norm3 = { mean: [120, 130, 110], std: [60, 70, 50] };
  const window = { size: 32, overlap: 0.25, normalization: norm3, batchSize: 4 };
  const fromBytes = await predictImage(rgbModel, bytes, width, height, 32, 0.25, norm3, 4);
  const fromFloats = await predictImage(rgbModel, Float32Array.from(bytes), width, height, 32, 0.25, norm3, 4);
  assert.deepEqual(fromFloats, fromBytes);
  const ttaBytes = await predictWithTta(rgbModel, bytes, width, height, window, { flips: true, scales: [] });
  const ttaFloats = await predictWithTta(rgbModel, Float32Array.from(bytes), width, height, window, { flips: true, scales: [] });
  assert.deepEqual(ttaFloats, ttaBytes);
  assert.notDeepEqual(ttaBytes, fromBytes, 'the flipped views count');
  rgbModel.dispose();

  const before = tf.memory().numTensors;
  const model = createModel('unet', { classes: 3, inputChannels: 7, inputSize: 32, depth: 2, width: 4 }, 5);
  const bands = Float32Array.from({ length: width * height * 7 }, (_, i) => Math.sin(i) * 1000 + 2000);
  const norm7 = { mean: new Array<number>(7).fill(2000), std: new Array<number>(7).fill(700) };
  const probs = await predictWithTta(model, bands, width, height, { ...window, normalization: norm7 }, { flips: true, scales: [0.75] });
  assert.equal(probs.length, width * height * 3);
  for (let p = 0; p < width * height; p += 1) assert.ok(Math.abs(probs[p * 3]! + probs[p * 3 + 1]! + probs[p * 3 + 2]! - 1) < 1e-4);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});
