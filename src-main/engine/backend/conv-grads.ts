import * as tf from '@tensorflow/tfjs-core';
import { activeProfile } from './profile';

/**
 * Convolution gradients written as forward convolutions, so they run on whatever fast Conv2D a
 * backend has (XNNPACK on wasm). Shapes are NHWC; filters [kh, kw, in, out].
 *
 * Geometry follows TensorFlow's padding rules through backend_util.computeConv2DInfo, so the
 * results match the reference kernels exactly up to float rounding (tests compare with `cpu`).
 */

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function convInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  rounding: Rounding,
  depthwise = false,
) {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, rounding, depthwise, 'channelsLast');
}

/** The input padded as the forward convolution padded it (bottom/right pads below 0 are crops the slice does). */
function padAsForward(x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { top, bottom, left, right } = info.padInfo;
  return tf.pad(x, [
    [0, 0],
    [top, Math.max(0, bottom)],
    [left, Math.max(0, right)],
    [0, 0],
  ]);
}

/**
 * dW[kh,kw,ci,co] = sum over b,i,j of x_pad[b, i*s + kh*d, j*s + kw*d, ci] * dy[b,i,j,co]:
 * a convolution of the input (channels as batch) with dy (batch as channels), whose stride is the
 * forward dilation and whose dilation is the forward stride.
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, strides, dilations, pad, rounding);
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const { top, bottom, left, right } = info.padInfo;
    // The forward padding goes to the convolution as explicit padding (no padded copy of x);
    // negative pads (rows the forward pass never read) need the padded-and-cropped input instead.
    const explicit = Math.min(top, bottom, left, right) >= 0;
    const input = tf.transpose(explicit ? x : padAsForward(x, info), [3, 1, 2, 0]) as tf.Tensor4D;
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const convPad: Pad = explicit
      ? [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ]
      : 'valid';
    const out = tf.conv2d(input, filter, [info.dilationHeight, info.dilationWidth], convPad, 'NHWC', [info.strideHeight, info.strideWidth]);
    const cropped = out.shape[1] === kh && out.shape[2] === kw ? out : tf.slice(out, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Inserts `stride - 1` zeros between the rows and the columns of dy (rank 4 at most, for wasm). */
function dilateRowsColumns(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [b, h, w, c] = dy.shape;
  let out: tf.Tensor = dy;
  if (sw > 1) {
    out = tf.reshape(
      tf.pad(tf.reshape(out, [b * h, w, 1, c]), [
        [0, 0],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]),
      [b, h, w * sw, c],
    );
    out = tf.slice(out, [0, 0, 0, 0], [-1, -1, (w - 1) * sw + 1, -1]);
  }
  const wd = out.shape[2] as number;
  if (sh > 1) {
    out = tf.reshape(
      tf.pad(tf.reshape(out, [b, h, 1, wd * c]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
      ]),
      [b, h * sh, wd, c],
    );
    out = tf.slice(out, [0, 0, 0, 0], [-1, (h - 1) * sh + 1, -1, -1]);
  }
  return out as tf.Tensor4D;
}

/**
 * dx = the zero-dilated dy, padded for a "full" convolution, convolved with the filter turned by
 * 180 degrees and with its in/out channels swapped. Also the forward pass of Conv2DTranspose.
 */
export function conv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(inputShape, filter.shape, strides, dilations, pad, rounding);
    const full = fullConvolutionInput(inputShape, dy, info);
    return full.crop(tf.conv2d(full.input, turnedFilter(filter), 1, full.pad, 'NHWC', [info.dilationHeight, info.dilationWidth]));
  });
}

/**
 * The filter turned by 180 degrees with its in/out channels swapped: [kh, kw, ci, co] ->
 * [kh, kw, co, ci] with the taps in reverse order (turning both spatial axes reverses the flat
 * tap order). On wasm the data sits in CPU memory, so one pass in JS does it: wasm's Reverse
 * kernel walks element by element and took 5-10 ms per 3x3x128x128 filter, about 55 ms a step.
 */
function turnedFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  if (!activeProfile().hostMemory) return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  const source = filter.dataSync() as Float32Array;
  const taps = kh * kw;
  const size = ci * co;
  const turned = new Float32Array(source.length);
  for (let tap = 0; tap < taps; tap += 1) {
    const from = (taps - 1 - tap) * size;
    const to = tap * size;
    for (let i = 0; i < ci; i += 1) {
      const row = from + i * co;
      for (let o = 0; o < co; o += 1) turned[to + o * ci + i] = source[row + o]!;
    }
  }
  return tf.tensor4d(turned, [kh, kw, co, ci]);
}

/**
 * The input of a "full" convolution: dy with zeros between rows and columns (the forward stride),
 * and the padding that makes a stride-1 convolution with the turned filter land on every input
 * pixel, passed to the convolution as explicit padding instead of copied. Where a pad is negative
 * (rows the forward pass never read) the input is padded by the positive parts and the result
 * cropped.
 */
function fullConvolutionInput(inputShape: [number, number, number, number], dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo) {
  const khEff = (info.filterHeight - 1) * info.dilationHeight + 1;
  const kwEff = (info.filterWidth - 1) * info.dilationWidth + 1;
  const dilated = dilateRowsColumns(dy, info.strideHeight, info.strideWidth);
  const padTop = khEff - 1 - info.padInfo.top;
  const padLeft = kwEff - 1 - info.padInfo.left;
  const padBottom = inputShape[1] - dilated.shape[1] - padTop + khEff - 1;
  const padRight = inputShape[2] - dilated.shape[2] - padLeft + kwEff - 1;
  const pads: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(0, padTop), Math.max(0, padBottom)],
    [Math.max(0, padLeft), Math.max(0, padRight)],
    [0, 0],
  ];
  const identity = (out: tf.Tensor4D): tf.Tensor4D => out;
  if (Math.min(padTop, padBottom, padLeft, padRight) >= 0) return { input: dilated, pad: pads as Pad, crop: identity };
  const crop = (out: tf.Tensor4D): tf.Tensor4D =>
    tf.slice(out, [0, Math.max(0, -padTop), Math.max(0, -padLeft), 0], [-1, inputShape[1], inputShape[2], -1]) as tf.Tensor4D;
  return { input: tf.pad(dilated, pads), pad: 'valid' as Pad, crop };
}

/** Depthwise (channel multiplier 1) filter gradient: channels and batch folded into one depthwise conv. */
export function depthwiseFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, strides, dilations, pad, rounding, true);
    const [b, , , c] = x.shape;
    const padded = padAsForward(x, info);
    const [, hp, wp] = padded.shape;
    const input = tf.reshape(tf.transpose(padded, [1, 2, 3, 0]), [1, hp, wp, c * b]) as tf.Tensor4D;
    const [, oh, ow] = dy.shape;
    const filter = tf.reshape(tf.transpose(dy, [1, 2, 3, 0]), [oh, ow, c * b, 1]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(input, filter, [info.dilationHeight, info.dilationWidth], 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    const cropped = tf.slice(out, [0, 0, 0, 0], [-1, info.filterHeight, info.filterWidth, -1]);
    const perBatch = tf.reshape(cropped, [info.filterHeight, info.filterWidth, c, b]);
    return tf.expandDims(tf.sum(perBatch, 3), 3) as tf.Tensor4D;
  });
}

/** Depthwise (multiplier 1) input gradient: the dilated dy through the turned filter, per channel. */
export function depthwiseInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(inputShape, filter.shape, strides, dilations, pad, rounding, true);
    const full = fullConvolutionInput(inputShape, dy, info);
    const turned = tf.reverse(filter, [0, 1]) as tf.Tensor4D;
    return full.crop(tf.depthwiseConv2d(full.input, turned, 1, full.pad, 'NHWC', [info.dilationHeight, info.dilationWidth]));
  });
}
