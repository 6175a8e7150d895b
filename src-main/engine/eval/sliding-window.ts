import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ignoreLabel } from '../../../src-shared/class-weights';
import type { ClassCounts } from '../../../src-shared/metrics';
import { ttaViews } from '../../../src-shared/evaluations';
import type { TtaOptions } from '../../../src-shared/evaluations';
import type { Normalization } from '../data/batch';
import { imageTensor } from '../data/batch';
import type { Pixels } from '../data/decode';

/** Window starts along one axis: overlapping by `overlap`, the last one flush with the far edge. */
export function windowStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const stride = Math.max(1, Math.floor(size * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + size < length; s += stride) starts.push(s);
  starts.push(length - size);
  return starts;
}

/**
 * What turns windows into class probabilities: tfjs's model on the engine's backend, or the same
 * model exported to ONNX and run by ONNX Runtime (onnx/ort-predictor.ts).
 */
export interface WindowPredictor {
  readonly classes: number;
  /** Softmax probabilities [n, size, size, classes] of `crops` (each size x size x channels). */
  probabilities(crops: readonly Pixels[], size: number, normalization: Normalization): Promise<Float32Array>;
}

/** The tfjs model as a WindowPredictor. */
function tfjsPredictor(model: tfl.LayersModel): WindowPredictor {
  return {
    classes: (model.outputs[0]!.shape[3] as number) ?? 0,
    probabilities: async (crops, size, normalization) => {
      const probs = tf.tidy(() => tf.softmax(model.predict(imageTensor(crops, size, normalization)) as tf.Tensor));
      // Read asynchronously: WebGPU in Node has no synchronous readback.
      const data = (await probs.data()) as Float32Array;
      probs.dispose();
      return data;
    },
  };
}

const isPredictor = (model: tfl.LayersModel | WindowPredictor): model is WindowPredictor => 'probabilities' in model;

/**
 * Class probabilities for a whole image: windows of the model's size with overlap, softmax
 * averaged where windows meet (blended logits as probabilities); an image smaller than a window is
 * padded and the padding cropped away. Returns [height * width * classes].
 */
export async function predictImage(
  model: tfl.LayersModel | WindowPredictor,
  image: Pixels,
  width: number,
  height: number,
  size: number,
  overlap: number,
  normalization: Normalization,
  batchSize: number,
): Promise<Float32Array> {
  const predictor = isPredictor(model) ? model : tfjsPredictor(model);
  const classes = predictor.classes;
  const channels = normalization.mean.length;
  const sum = new Float32Array(width * height * classes);
  const hits = new Uint16Array(width * height);
  const windows: [number, number][] = [];
  for (const y of windowStarts(height, size, overlap)) for (const x of windowStarts(width, size, overlap)) windows.push([y, x]);
  for (let b = 0; b < windows.length; b += batchSize) {
    const group = windows.slice(b, b + batchSize);
    const crops = group.map(([y, x]) => cropImage(image, width, height, x, y, size, channels));
    const data = await predictor.probabilities(crops, size, normalization);
    // On wasm that read resolves at once, so a whole image would run without giving the event loop
    // a turn: a compute worker's finished image (and its next request) would wait for this one.
    await new Promise<void>((resolve) => setImmediate(resolve));
    group.forEach(([y0, x0], k) => {
      for (let i = 0; i < size && y0 + i < height; i += 1) {
        for (let j = 0; j < size && x0 + j < width; j += 1) {
          const p = (y0 + i) * width + (x0 + j);
          const src = ((k * size + i) * size + j) * classes;
          hits[p]! += 1;
          for (let c = 0; c < classes; c += 1) sum[p * classes + c]! += data[src + c]!;
        }
      }
    });
  }
  for (let p = 0; p < hits.length; p += 1) {
    const n = hits[p]!;
    if (n > 1) for (let c = 0; c < classes; c += 1) sum[p * classes + c]! /= n;
  }
  return sum;
}

/** A size x size window at (x0, y0), zero-padded past the image's edge; the image's own array type. */
function cropImage(image: Pixels, width: number, height: number, x0: number, y0: number, size: number, channels: number): Pixels {
  const out = image instanceof Uint8Array ? new Uint8Array(size * size * channels) : new Float32Array(size * size * channels);
  for (let i = 0; i < size && y0 + i < height; i += 1) {
    const row = Math.min(width - x0, size) * channels;
    const from = ((y0 + i) * width + x0) * channels;
    out.set(image.subarray(from, from + row), i * size * channels);
  }
  return out;
}

/** Confusion counts per class and the summed cross entropy of one image's probabilities. */
export function scoreImage(probs: Float32Array, labels: Uint8Array, classes: number): { counts: ClassCounts[]; lossSum: number; pixels: number } {
  const counts: ClassCounts[] = Array.from({ length: classes }, () => ({ tp: 0, fp: 0, fn: 0 }));
  let lossSum = 0;
  let pixels = 0;
  for (let p = 0; p < labels.length; p += 1) {
    const label = labels[p]!;
    if (label === ignoreLabel || label >= classes) continue;
    let best = 0;
    for (let c = 1; c < classes; c += 1) if (probs[p * classes + c]! > probs[p * classes + best]!) best = c;
    // All zeros: no class predicted (a predicted mask's pixel outside the classes): missed, and no class's false positive.
    if (probs[p * classes + best] === 0) counts[label]!.fn += 1;
    else if (best === label) counts[label]!.tp += 1;
    else {
      counts[label]!.fn += 1;
      counts[best]!.fp += 1;
    }
    lossSum -= Math.log(Math.max(probs[p * classes + label]!, 1e-7));
    pixels += 1;
  }
  return { counts, lossSum, pixels };
}

/** Mirrors an image (`channels` a pixel, 3 by default) left-right (axis 'x') or top-bottom (axis 'y'). */
export function flipImage<T extends Pixels>(image: T, width: number, height: number, axis: 'x' | 'y', channels = 3): T {
  const out = (image instanceof Uint8Array ? new Uint8Array(image.length) : new Float32Array(image.length)) as T;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const from = axis === 'x' ? (y * width + (width - 1 - x)) * channels : ((height - 1 - y) * width + x) * channels;
      out.set(image.subarray(from, from + channels), (y * width + x) * channels);
    }
  }
  return out;
}

/**
 * Test-time augmentation: probabilities averaged over the views of `ttaViews` (scales and flips),
 * each predicted by sliding windows and mapped back onto the image. `plain` is the view at scale 1
 * without a flip when the caller already has it.
 */
export async function predictWithTta(
  model: tfl.LayersModel | WindowPredictor,
  image: Pixels,
  width: number,
  height: number,
  window: { size: number; overlap: number; normalization: Normalization; batchSize: number },
  tta: TtaOptions,
  known?: Float32Array,
): Promise<Float32Array> {
  const plain = known ?? (await predictImage(model, image, width, height, window.size, window.overlap, window.normalization, window.batchSize));
  const classes = plain.length / (width * height);
  const sum = Float32Array.from(plain);
  const views = ttaViews(tta).slice(1);
  const channels = window.normalization.mean.length;
  for (const view of views) {
    const w = Math.max(1, Math.round(width * view.scale));
    const h = Math.max(1, Math.round(height * view.scale));
    let input = view.scale === 1 ? image : await resizeImage(image, width, height, w, h, channels);
    if (view.flip !== 'none') input = flipImage(input, w, h, view.flip, channels);
    let probs = await predictImage(model, input, w, h, window.size, window.overlap, window.normalization, window.batchSize);
    if (view.flip !== 'none') probs = flipProbs(probs, w, h, classes, view.flip);
    if (view.scale !== 1) probs = await resizeProbs(probs, w, h, width, height, classes);
    accumulate(sum, probs);
  }
  const n = views.length + 1;
  for (let i = 0; i < sum.length; i += 1) sum[i]! /= n;
  return sum;
}

/** Bilinear resize; bytes stay bytes (rounded), float channels stay float. */
async function resizeImage(image: Pixels, width: number, height: number, w: number, h: number, channels: number): Promise<Pixels> {
  const bytes = image instanceof Uint8Array;
  const resized = tf.tidy(() => {
    const scaled = tf.image.resizeBilinear(
      bytes ? tf.tensor3d(image, [height, width, channels], 'int32').toFloat() : tf.tensor3d(image, [height, width, channels]),
      [h, w],
    );
    return bytes ? scaled.round().clipByValue(0, 255) : scaled;
  });
  const values = await resized.data();
  resized.dispose();
  return bytes ? Uint8Array.from(values) : Float32Array.from(values);
}

async function resizeProbs(probs: Float32Array, w: number, h: number, width: number, height: number, classes: number): Promise<Float32Array> {
  const resized = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(probs, [h, w, classes]), [height, width]));
  const values = (await resized.data()) as Float32Array;
  resized.dispose();
  return values;
}

function flipProbs(probs: Float32Array, width: number, height: number, classes: number, axis: 'x' | 'y'): Float32Array {
  const out = new Float32Array(probs.length);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const from = axis === 'x' ? y * width + (width - 1 - x) : (height - 1 - y) * width + x;
      out.set(probs.subarray(from * classes, from * classes + classes), (y * width + x) * classes);
    }
  }
  return out;
}

/** Adds `probs` into `sum`, element by element. */
export function accumulate(sum: Float32Array, probs: Float32Array): void {
  for (let i = 0; i < sum.length; i += 1) sum[i]! += probs[i]!;
}
