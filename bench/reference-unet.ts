import type * as tf from '@tensorflow/tfjs-core';
import { createModel } from '../src-main/engine/models/registry';
import { Optimizer } from '../src-main/engine/optim/optimizer';

/**
 * The reference U-Net of docs/engine-notes.md (depth 4, width 16, 6 classes) with Adam and a random
 * batch of 8-bit images and labels, as the step benches feed the train job's step code.
 */
export function referenceUnet(size: number, batch: number) {
  const modelOptions = { classes: 6, inputChannels: 3, inputSize: size, depth: 4, width: 16 };
  const model = createModel('unet', modelOptions);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = new Optimizer({ name: 'adam', weightDecay: 0, momentum: 0.9 });
  const pixels = size * size;
  const images = Array.from({ length: batch }, () => Uint8Array.from({ length: pixels * 3 }, () => Math.floor(Math.random() * 256)));
  const labels = Array.from({ length: batch }, () => Uint8Array.from({ length: pixels }, () => Math.floor(Math.random() * 6)));
  const normalization = { mean: [127.5, 127.5, 127.5] as [number, number, number], std: [64, 64, 64] as [number, number, number] };
  const setup = { model: 'unet', modelOptions, loss: 'ce' as const, lossOptions: {}, distill: null };
  return { model, variables, optimizer, images, labels, normalization, setup };
}
