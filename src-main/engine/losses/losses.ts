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

/** One-hot targets; out-of-range labels (the ignore label) become all-zero rows. */
function targets(labels: tf.Tensor, classes: number): tf.Tensor {
  return tf.oneHot(labels as tf.Tensor, classes);
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
 * Lovasz-softmax (Berman et al. 2018), classes present in the labels. Ignored pixels get error 0,
 * which sorts them last where they change no other pixel's weight.
 */
export function lovaszSoftmax(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1]!;
    const n = labels.size;
    const oneHot = tf.reshape(targets(labels, classes), [n, classes]);
    const valid = tf.reshape(tf.cast(tf.notEqual(labels, ignoreLabel), 'float32'), [n]);
    const probs = tf.reshape(tf.softmax(logits), [n, classes]);
    const losses: tf.Tensor[] = [];
    const presentFlags = tf.sum(oneHot, 0).dataSync();
    for (let c = 0; c < classes; c += 1) {
      if ((presentFlags[c] ?? 0) === 0) continue;
      const fg = tf.squeeze(tf.slice(oneHot, [0, c], [n, 1]), [1]);
      const errors = tf.mul(tf.abs(tf.sub(fg, tf.squeeze(tf.slice(probs, [0, c], [n, 1]), [1]))), valid);
      // The order is a constant of the step: sort a copy of the values, outside the gradient path.
      const { indices } = tf.topk(tf.tensor1d(errors.dataSync() as Float32Array), n, true);
      const sortedFg = tf.gather(fg, indices);
      const gts = tf.sum(sortedFg);
      const intersection = tf.sub(gts, tf.cumsum(sortedFg));
      const union = tf.add(gts, tf.cumsum(tf.sub(1, sortedFg)));
      const jaccard = tf.sub(1, tf.div(intersection, union));
      const grad = tf.concat([tf.slice(jaccard, [0], [1]), tf.sub(tf.slice(jaccard, [1], [n - 1]), tf.slice(jaccard, [0], [n - 1]))]);
      // Each pixel's weight is the Lovasz gradient at its rank: sum(sorted errors * grad) equals
      // sum(errors * grad[rank]), so no gather (whose gradient wasm lacks) sits on the gradient path.
      const order = indices.dataSync();
      const rank = new Int32Array(n);
      for (let i = 0; i < n; i += 1) rank[order[i]!] = i;
      const weights = tf.gather(grad, tf.tensor1d(rank, 'int32'));
      losses.push(tf.sum(tf.mul(errors, weights)));
    }
    return (losses.length > 0 ? tf.mean(tf.stack(losses)) : tf.scalar(0)) as tf.Scalar;
  });
}
