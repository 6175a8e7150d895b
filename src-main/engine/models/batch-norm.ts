import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BatchNormalization, BatchNormalizationLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/normalization';

/**
 * Batch normalisation in training with one fused gradient. tfjs-layers normalises with
 * tf.moments and tf.batchNorm, so the backward pass runs through the moments' ops as well as
 * batch norm's own gradient: about 16 passes over the activation per layer. The closed form
 * (Ioffe and Szegedy 2015) needs 6:
 *   xc = x - mean, s = invStd * gamma
 *   dbeta = sum(dy), dgamma = invStd * sum(dy * xc)
 *   dx = s * dy - (s * invStd^2 * sum(dy * xc) / n) * xc - s * sum(dy) / n
 * with sums over every axis but the channels and n the values per channel. Returns the batch's
 * mean and (biased) variance too, for the running averages; they carry no gradient.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  let stats: { mean: tf.Tensor; variance: tf.Tensor } | null = null;
  const op = tf.customGrad(((input: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(input, axes);
    const centered = tf.sub(input, mean);
    const variance = tf.mean(tf.square(centered), axes);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const y = tf.batchNorm(input, mean, variance, offset, scale, epsilon);
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    save([input, mean, invStd, scale]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, m, inv, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const n = xs.size / (xs.shape[xs.rank - 1] ?? 1);
        const xc = tf.sub(xs, m);
        const sumDy = tf.sum(dy, axes);
        const sumDyXc = tf.sum(tf.mul(dy, xc), axes);
        const s = tf.mul(g, inv);
        const onXc = tf.neg(tf.div(tf.mul(tf.mul(s, tf.square(inv)), sumDyXc), n));
        const constant = tf.neg(tf.div(tf.mul(s, sumDy), n));
        const dx = tf.add(tf.add(tf.mul(dy, s), tf.mul(xc, onXc)), constant);
        return [dx, tf.mul(sumDyXc, inv), sumDy];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta);
  const { mean, variance } = stats!;
  return { y, mean, variance };
}

// tfjs-layers exports the layer's factory, not its class; the class is the instance's constructor.
const BatchNormalizationBase = Object.getPrototypeOf(tfl.layers.batchNormalization({})).constructor as typeof BatchNormalization;

interface Internals {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tfl.LayerVariable;
  beta: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/**
 * tfjs-layers' BatchNormalization with batchNormTraining in training mode (channels last, with
 * scale and offset, as every SegBench model uses it); the same weights, running averages (v <- v -
 * (1 - momentum) (v - batch value)), class name and config, so saved and exported models are
 * standard tfjs models. Inference and other layouts are the base class's.
 */
export class FusedBatchNormalization extends BatchNormalizationBase {
  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: tfl.layers.Layer['call'] extends (a: never, b: infer K) => unknown ? K : never,
  ): tf.Tensor | tf.Tensor[] {
    const layer = this as unknown as Internals;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const lastAxis = layer.axis === -1 || layer.axis === x.rank - 1;
    if (kwargs['training'] !== true || !lastAxis || !layer.center || !layer.scale) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(x, layer.gamma.read(), layer.beta.read(), layer.epsilon);
      for (const [variable, value] of [
        [layer.movingMean, mean],
        [layer.movingVariance, variance],
      ] as const) {
        const current = variable.read();
        variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - layer.momentum)));
      }
      tf.dispose([mean, variance]);
      return y;
    });
  }
}

export const batchNormalization = (args: BatchNormalizationLayerArgs): FusedBatchNormalization => new FusedBatchNormalization(args);
