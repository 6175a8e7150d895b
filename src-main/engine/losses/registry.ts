import type * as tf from '@tensorflow/tfjs-core';
import { ApiError } from '../../../src-shared/errors';
import type { LossName } from '../../../src-shared/run-config';
import { crossEntropy, crossEntropyDice, dice, focal, lovaszSoftmax } from './losses';
import type { LossOptions } from './losses';

export type LossFunction = (logits: tf.Tensor, labels: tf.Tensor, options: LossOptions) => tf.Scalar;

/** Losses by name; class weights and label smoothing are options, not separate losses. */
const lossRegistry = {
  ce: crossEntropy,
  focal,
  dice,
  'ce-dice': crossEntropyDice,
  lovasz: (logits, labels) => lovaszSoftmax(logits, labels),
} satisfies Record<LossName, LossFunction>;

const lossNames = Object.keys(lossRegistry) as LossName[];

export function getLoss(name: string): LossFunction {
  if (!Object.prototype.hasOwnProperty.call(lossRegistry, name)) {
    throw new ApiError('VALIDATION', `Unknown loss "${name}". Valid losses: ${lossNames.join(', ')}.`);
  }
  return lossRegistry[name as LossName];
}
