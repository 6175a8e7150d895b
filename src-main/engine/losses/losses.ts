import * as tf from '@tensorflow/tfjs-core';
import { ignoreLabel } from '../../../src-shared/class-weights';

/**
 * Segmentation losses. `logits` are [batch, height, width, classes]; `labels` are int32
 * [batch, height, width] with `ignoreLabel` (255) where a pixel counts for nothing. Every loss
 * returns the mean over valid pixels (weighted where class weights are given) and runs in a tidy.
 */
export interface LossOptions {
  classWeights?: number[] | undefined;
  labelSmoothing?: number | undefined;
  focalGamma?: number | undefined;
  diceSmooth?: number | undefined;
}

/**
 * One-hot targets as float32; out-of-range labels (the ignore label) become all-zero rows. Float,
 * not tfjs's int32: WebGPU's int32 Transpose shader does not compile (tfjs 4.22), and the
 * gradient of a product with the targets transposes them.
 */
function targets(labels: tf.Tensor, classes: number): tf.Tensor {
  return tf.cast(tf.oneHot(labels as tf.Tensor, classes), 'float32');
}

/** Per-pixel weights: 0 for ignored pixels, the class weight (or 1) otherwise. */
function pixelWeights(labels: tf.Tensor, oneHot: tf.Tensor, weights: number[] | undefined): tf.Tensor {
  const valid = tf.cast(tf.notEqual(labels, ignoreLabel), 'float32');
  if (!weights) return valid;
  return tf.mul(valid, tf.sum(tf.mul(oneHot, tf.tensor1d(weights)), -1));
}

function weightedMean(perPixel: tf.Tensor, weights: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(perPixel, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
}

export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: LossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1]!;
    const oneHot = targets(labels, classes);
    const eps = options.labelSmoothing ?? 0;
    const q = eps > 0 ? tf.add(tf.mul(oneHot, 1 - eps), eps / classes) : oneHot;
    const perPixel = tf.neg(tf.sum(tf.mul(q, tf.logSoftmax(logits)), -1));
    return weightedMean(perPixel, pixelWeights(labels, oneHot, options.classWeights));
  });
}

/** Focal loss (Lin et al. 2017): -(1 - p_t)^gamma log p_t. */
export function focal(logits: tf.Tensor, labels: tf.Tensor, options: LossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1]!;
    const oneHot = targets(labels, classes);
    const logPt = tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1);
    const factor = tf.pow(tf.sub(1, tf.exp(logPt)), options.focalGamma ?? 2);
    return weightedMean(tf.neg(tf.mul(factor, logPt)), pixelWeights(labels, oneHot, options.classWeights));
  });
}

/** Soft Dice, 1 - (2|P.G| + s) / (|P| + |G| + s) per class, averaged over classes present in the labels. */
export function dice(logits: tf.Tensor, labels: tf.Tensor, options: LossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1]!;
    const oneHot = targets(labels, classes);
    const valid = tf.expandDims(tf.cast(tf.notEqual(labels, ignoreLabel), 'float32'), -1);
    const probs = tf.mul(tf.softmax(logits), valid);
    const axes = [...Array(logits.rank - 1).keys()];
    const smooth = options.diceSmooth ?? 1;
    const intersection = tf.sum(tf.mul(probs, oneHot), axes);
    const cardinality = tf.add(tf.sum(probs, axes), tf.sum(oneHot, axes));
    const score = tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.add(cardinality, smooth));
    const present = tf.cast(tf.greater(tf.sum(oneHot, axes), 0), 'float32');
    return tf.div(tf.sum(tf.mul(tf.sub(1, score), present)), tf.maximum(tf.sum(present), 1)) as tf.Scalar;
  });
}

export function crossEntropyDice(logits: tf.Tensor, labels: tf.Tensor, options: LossOptions = {}): tf.Scalar {
  return tf.tidy(() => tf.add(crossEntropy(logits, labels, options), dice(logits, labels, options)) as tf.Scalar);
}

/**
 * Lovasz-softmax (Berman et al. 2018), mean over the classes present in the labels. Ignored pixels
 * get error 0, which sorts them last where they change no other pixel's weight.
 *
 * The sort order is a constant of the step, so the loss is written as a custom gradient: the
 * forward pass sorts each class's errors on the device (topk), builds the Lovasz weights in sorted
 * order and maps them back to pixel order (a second topk gives the inverse permutation), and the
 * gradient with respect to the probabilities is weight x sign(p - fg) x valid, scaled by the share
 * of each present class. Nothing is read back mid-step, so it runs on WebGPU, whose Node build has
 * no synchronous readback, as it runs on the CPU backends.
 */
export function lovaszSoftmax(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1]!;
    const n = labels.size;
    const fg = tf.reshape(targets(labels, classes), [n, classes]);
    const valid = tf.reshape(tf.cast(tf.notEqual(labels, ignoreLabel), 'float32'), [n, 1]);
    const probs = tf.reshape(tf.softmax(logits), [n, classes]);
    return lovaszOnProbabilities(probs, fg, valid);
  });
}

/** Row-wise gather of a [rows, n] matrix: out[r][k] = x[r][indices[r][k]], by flat offsets (wasm's batchDims gather is wrong). */
function gatherRows(x: tf.Tensor2D, indices: tf.Tensor2D): tf.Tensor2D {
  const [rows, n] = x.shape;
  const offsets = tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(n, 'int32')).reshape([rows, 1]);
  return tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.reshape(tf.add(indices, offsets), [-1])), [rows, n]);
}

const lovaszOnProbabilities = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [probs, fg, valid] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const save = args[3] as tf.GradSaveFunc;
  const [n, classes] = probs.shape;
  // Rows are classes from here: [classes, n].
  const fgT = tf.transpose(fg) as tf.Tensor2D;
  const errors = tf.mul(tf.abs(tf.sub(fgT, tf.transpose(probs))), tf.transpose(valid));
  const indices = tf.topk(errors, n, true).indices as tf.Tensor2D;
  const sortedFg = gatherRows(fgT, indices);
  const gts = tf.sum(fgT, 1, true);
  const intersection = tf.sub(gts, tf.cumsum(sortedFg, 1));
  const union = tf.add(gts, tf.cumsum(tf.sub(1, sortedFg), 1));
  const jaccard = tf.sub(1, tf.div(intersection, union));
  const previous = tf.pad(tf.slice(jaccard, [0, 0], [classes, n - 1]), [
    [0, 0],
    [1, 0],
  ]);
  const sortedWeights = tf.sub(jaccard, previous) as tf.Tensor2D;
  // The inverse permutation: the rank of pixel i is where i sits in `indices`.
  const rank = tf.topk(tf.neg(tf.cast(indices, 'float32')), n, true).indices as tf.Tensor2D;
  const weights = gatherRows(sortedWeights, rank);
  const present = tf.cast(tf.greater(gts, 0), 'float32');
  const share = tf.div(present, tf.maximum(tf.sum(present), 1));
  const value = tf.sum(tf.mul(tf.sum(tf.mul(errors, weights), 1, true), share)) as tf.Scalar;
  const gradient = tf.transpose(tf.mul(tf.mul(tf.mul(weights, share), tf.sign(tf.sub(tf.transpose(probs), fgT))), tf.transpose(valid)));
  save([gradient]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0]!), tf.zerosLike(fg), tf.zerosLike(valid)],
  };
});
