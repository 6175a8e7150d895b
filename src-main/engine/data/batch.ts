import * as tf from '@tensorflow/tfjs-core';

/** Per-channel mean and standard deviation in 0..255 units, from the training images. */
export interface Normalization {
  mean: [number, number, number];
  std: [number, number, number];
}

export function normalizationOf(images: readonly Uint8Array[]): Normalization {
  const sum = [0, 0, 0];
  const squares = [0, 0, 0];
  let n = 0;
  for (const image of images) {
    for (let p = 0; p < image.length; p += 3) {
      for (let c = 0; c < 3; c += 1) {
        const v = image[p + c]!;
        sum[c]! += v;
        squares[c]! += v * v;
      }
      n += 1;
    }
  }
  const mean = sum.map((s) => (n > 0 ? s / n : 127.5)) as [number, number, number];
  const std = squares.map((s, c) => Math.max(1, Math.sqrt(Math.max(0, (n > 0 ? s / n : 0) - mean[c]! ** 2)))) as [number, number, number];
  return { mean, std };
}

/** [batch, size, size, 3] float32 values, normalised per channel. */
export function imageData(images: readonly Uint8Array[], size: number, norm: Normalization): Float32Array {
  const data = new Float32Array(images.length * size * size * 3);
  const scale = norm.std.map((s) => 1 / s);
  images.forEach((image, b) => {
    const offset = b * size * size * 3;
    for (let i = 0; i < image.length; i += 3) {
      data[offset + i] = (image[i]! - norm.mean[0]) * scale[0]!;
      data[offset + i + 1] = (image[i + 1]! - norm.mean[1]) * scale[1]!;
      data[offset + i + 2] = (image[i + 2]! - norm.mean[2]) * scale[2]!;
    }
  });
  return data;
}

export function imageTensor(images: readonly Uint8Array[], size: number, norm: Normalization): tf.Tensor4D {
  return tf.tensor4d(imageData(images, size, norm), [images.length, size, size, 3]);
}

export function labelData(labels: readonly Uint8Array[], size: number): Int32Array {
  const data = new Int32Array(labels.length * size * size);
  labels.forEach((l, b) => data.set(l, b * size * size));
  return data;
}

export function labelTensor(labels: readonly Uint8Array[], size: number): tf.Tensor3D {
  return tf.tensor3d(labelData(labels, size), [labels.length, size, size], 'int32');
}
