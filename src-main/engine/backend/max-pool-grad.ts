import * as tf from '@tensorflow/tfjs-core';

/** The parts of the wasm backend this kernel uses: typed views on its heap. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * MaxPoolGrad for wasm, in JS over views of the wasm heap: each pooling window's first maximum
 * (row-major, as tfjs' cpu kernel and TensorFlow pick it) receives the window's gradient. The
 * channels are the inner loop, so every read is contiguous; wasm's own kernel walked the input per
 * output value and took about 8 ms per 128x128x16 image batch of two, 33 ms of a batch-4 step.
 */
export function maxPoolGradWasm({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as WasmBackendLike;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const out = wasm.makeOutput(input.shape, 'float32');
  // Views taken after the allocation: a heap that grew would have detached earlier ones.
  const x = wasm.typedArrayFromHeap(input);
  const grad = wasm.typedArrayFromHeap(dy);
  const dx = wasm.typedArrayFromHeap(out);
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  for (let b = 0; b < batchSize; b += 1) {
    for (let oy = 0; oy < outHeight; oy += 1) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox += 1) {
        const x0 = ox * strideWidth - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let wy = 0; wy < fh; wy += dilationHeight) {
          const y = y0 + wy;
          if (y < 0 || y >= inHeight) continue;
          for (let wx = 0; wx < fw; wx += dilationWidth) {
            const xx = x0 + wx;
            if (xx < 0 || xx >= inWidth) continue;
            const base = ((b * inHeight + y) * inWidth + xx) * channels;
            for (let c = 0; c < channels; c += 1) {
              const v = x[base + c]!;
              if (v > best[c]! || where[c] === -1) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c += 1) {
          const at = where[c]!;
          if (at >= 0) dx[at] = dx[at]! + grad[dyBase + c]!;
        }
      }
    }
  }
  return out;
}
