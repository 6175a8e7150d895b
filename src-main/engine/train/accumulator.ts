import * as tf from '@tensorflow/tfjs-core';
import { clipByGlobalNorm } from '../optim/optimizer';
import type { Optimizer } from '../optim/optimizer';

/**
 * Gradient accumulation: sums the gradients of `every` batches (or until the epoch's last batch),
 * clips the sum to a global norm when asked, and applies one optimizer step. Owns the tensors it
 * is given.
 */
export class GradientAccumulator {
  private sum: Record<string, tf.Tensor> | null = null;
  private count = 0;

  constructor(
    private readonly optimizer: Optimizer,
    private readonly variables: tf.Variable[],
    private readonly every: number,
    private readonly clipNorm: number | null,
  ) {}

  add(grads: Record<string, tf.Tensor>, lr: number, lastOfEpoch: boolean, lrScale?: (variable: tf.Variable) => number): void {
    this.sum = this.sum ? sumGrads(this.sum, grads) : grads;
    this.count += 1;
    if (this.count < this.every && !lastOfEpoch) return;
    let toApply = this.sum;
    if (this.clipNorm !== null) toApply = clipByGlobalNorm(toApply, this.clipNorm);
    this.optimizer.apply(this.variables, toApply, lr, lrScale);
    tf.dispose(Object.values(toApply));
    this.sum = null;
    this.count = 0;
  }

  /** Drops what was summed (after a rollback, or at the end of an epoch cut short). */
  discard(): void {
    if (this.sum) tf.dispose(Object.values(this.sum));
    this.sum = null;
    this.count = 0;
  }
}

function sumGrads(into: Record<string, tf.Tensor>, add: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, grad] of Object.entries(into)) {
    out[name] = tf.add(grad, add[name]!);
    grad.dispose();
    add[name]!.dispose();
  }
  return out;
}
