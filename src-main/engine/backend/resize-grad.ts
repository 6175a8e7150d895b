import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of nearest-neighbour resizing as two matrix products, for backends whose own
 * ResizeNearestNeighborGrad kernel is wrong: tfjs 4.22's cpu kernel for any batch above 1 (off by
 * up to 23 against a brute-force sum), and its webgpu kernel. Each output pixel reads one source pixel; the
 * one-hot row and column maps R (out x in) come from the forward kernel's own rule, and
 * dx = Rrowᵀ · dy · Rcol per image and channel. Exact: every sum is of dy values weighted by 1.
 */
function sourceMap(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Float32Array {
  const effectiveIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effectiveOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effectiveIn / effectiveOut;
  const map = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o += 1) {
    const fraction = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let source = Math.min(inSize - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
    if (halfPixelCenters) source = Math.max(0, source);
    map[o * inSize + source] = 1;
  }
  return map;
}

export function resizeNearestGrad(imagesShape: number[], dy: tf.Tensor4D, alignCorners: boolean, halfPixelCenters: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, inH, inW, c] = imagesShape as [number, number, number, number];
    const [, outH, outW] = dy.shape;
    const rows = tf.tensor2d(sourceMap(inH, outH, alignCorners, halfPixelCenters), [outH, inH]);
    const cols = tf.tensor2d(sourceMap(inW, outW, alignCorners, halfPixelCenters), [outW, inW]);
    // [b, outH, outW, c] -> [b*c, outH, outW] · cols -> [b*c, outH, inW]
    const planes = tf.reshape(tf.transpose(dy, [0, 3, 1, 2]), [b * c, outH, outW]);
    const alongColumns = tf.matMul(planes, tf.tile(tf.expandDims(cols, 0), [b * c, 1, 1]));
    // rowsᵀ · that: [b*c, inH, outH] · [b*c, outH, inW] -> [b*c, inH, inW]
    const both = tf.matMul(tf.tile(tf.expandDims(rows, 0), [b * c, 1, 1]), alongColumns, true, false);
    return tf.transpose(tf.reshape(both, [b, c, inH, inW]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
}
