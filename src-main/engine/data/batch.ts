import * as tf from '@tensorflow/tfjs-core';
import type { Pixels } from './decode';

/**
 * Per-channel mean and standard deviation, in the image's own units (0..255 for RGB bytes, the
 * band's values for multispectral channels), from the training images. Old checkpoints hold three.
 */
export interface Normalization {
  mean: number[];
  std: number[];
}

/**
 * Mean and std of every channel over `images` (interleaved, `channels` a pixel); pixels flagged
 * invalid (nodata) in `valid` are left out. A channel without spread gets std 1 (RGB) or its
 * tiny spread's floor, so nothing divides by zero.
 */
export function normalizationOf(images: readonly Pixels[], channels = 3, valid?: readonly (Uint8Array | undefined)[]): Normalization {
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  let n = 0;
  images.forEach((image, k) => {
    const mask = valid?.[k];
    for (let p = 0, i = 0; i < image.length; p += 1, i += channels) {
      if (mask && !mask[p]) continue;
      for (let c = 0; c < channels; c += 1) {
        const v = image[i + c]!;
        sum[c]! += v;
        squares[c]! += v * v;
      }
      n += 1;
    }
  });
  const bytes = images.every((image) => image instanceof Uint8Array);
  const mean = Array.from(sum, (s) => (n > 0 ? s / n : bytes ? 127.5 : 0));
  const std = Array.from(squares, (s, c) => {
    const spread = Math.sqrt(Math.max(0, (n > 0 ? s / n : 0) - mean[c]! ** 2));
    return bytes ? Math.max(1, spread) : spread > 1e-6 ? spread : 1;
  });
  return { mean, std };
}

/** [batch, size, size, channels] float32 values, normalised per channel (channels = the normalisation's length). */
export function imageData(images: readonly Pixels[], size: number, norm: Normalization): Float32Array {
  const channels = norm.mean.length;
  const data = new Float32Array(images.length * size * size * channels);
  const scale = norm.std.map((s) => 1 / s);
  images.forEach((image, b) => {
    const offset = b * size * size * channels;
    for (let i = 0; i < image.length; i += channels) {
      for (let c = 0; c < channels; c += 1) data[offset + i + c] = (image[i + c]! - norm.mean[c]!) * scale[c]!;
    }
  });
  return data;
}

export function imageTensor(images: readonly Pixels[], size: number, norm: Normalization): tf.Tensor4D {
  return tf.tensor4d(imageData(images, size, norm), [images.length, size, size, norm.mean.length]);
}

export function labelData(labels: readonly Uint8Array[], size: number): Int32Array {
  const data = new Int32Array(labels.length * size * size);
  labels.forEach((l, b) => data.set(l, b * size * size));
  return data;
}
