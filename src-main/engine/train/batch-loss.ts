import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { distillationLoss } from '../losses/distill';
import type { LossOptions } from '../losses/losses';
import type { LossFunction } from '../losses/registry';

/** Distillation's weights; the soft targets come with each batch. */
export interface DistillWeights {
  alpha: number;
  temperature: number;
}

/**
 * The training loss of one batch: the chosen loss on the student's logits, mixed with the KL to
 * the teacher's soft targets when there are some. One definition for the engine's thread and the
 * compute workers, so every part of a batch is scored the same way.
 */
export function batchLoss(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  lossFn: LossFunction,
  lossOptions: LossOptions,
  soft: tf.Tensor | null,
  distill: DistillWeights | null,
): tf.Scalar {
  const logits = model.apply(x, { training: true }) as tf.Tensor;
  const hard = lossFn(logits, y, lossOptions);
  return soft && distill ? distillationLoss(hard, logits, soft, y, distill.alpha, distill.temperature) : hard;
}
