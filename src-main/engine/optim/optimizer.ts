import * as tf from '@tensorflow/tfjs-core';

export type OptimizerName = 'adam' | 'adamw' | 'sgd';

export interface OptimizerSettings {
  name: OptimizerName;
  weightDecay: number;
  momentum: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface OptimizerSnapshot {
  step: number;
  slots: Record<string, { shape: number[]; values: number[][] }>;
}

/** Weights that decay: convolution and dense kernels, not biases or batch-norm scales and offsets. */
export const decays = (variableName: string): boolean => /kernel/.test(variableName);

/**
 * Adam, AdamW (decoupled weight decay, Loshchilov and Hutter 2019) and SGD with momentum
 * (PyTorch's form: buf = momentum * buf + g; w -= lr * buf). Written out rather than taken from
 * tf.train so the state (step count and moment buffers) is plain data for checkpoints, and the
 * learning rate can change every step.
 */
export class Optimizer {
  private step = 0;
  private readonly slots = new Map<string, tf.Variable[]>();

  /** `keyOf` names a variable's slots stably across processes (layer weight names, not tf's unique ones). */
  constructor(
    private readonly settings: OptimizerSettings,
    private readonly keyOf: (variable: tf.Variable) => string = (variable) => variable.name,
  ) {}

  get steps(): number {
    return this.step;
  }

  apply(variables: readonly tf.Variable[], grads: Record<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const { name, weightDecay, momentum } = this.settings;
    const beta1 = this.settings.beta1 ?? 0.9;
    const beta2 = this.settings.beta2 ?? 0.999;
    const epsilon = this.settings.epsilon ?? 1e-8;
    for (const variable of variables) {
      const grad = grads[variable.name];
      if (!grad) continue;
      tf.tidy(() => {
        const decay = weightDecay > 0 && decays(variable.name);
        // Plain Adam and SGD take weight decay as an L2 term in the gradient; AdamW decouples it.
        const g = decay && name !== 'adamw' ? tf.add(grad, tf.mul(variable, weightDecay)) : grad;
        if (name === 'sgd') {
          const [buffer] = this.slotsOf(variable, 1);
          buffer!.assign(tf.add(tf.mul(buffer!, momentum), g));
          variable.assign(tf.sub(variable, tf.mul(buffer!, lr)));
          return;
        }
        const [m, v] = this.slotsOf(variable, 2);
        m!.assign(tf.add(tf.mul(m!, beta1), tf.mul(g, 1 - beta1)));
        v!.assign(tf.add(tf.mul(v!, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const mHat = tf.div(m!, 1 - beta1 ** this.step);
        const vHat = tf.div(v!, 1 - beta2 ** this.step);
        let next = tf.sub(variable, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), lr));
        if (decay && name === 'adamw') next = tf.sub(next, tf.mul(variable, lr * weightDecay));
        variable.assign(next);
      });
    }
  }

  private slotsOf(variable: tf.Variable, count: number): tf.Variable[] {
    const key = this.keyOf(variable);
    let slots = this.slots.get(key);
    if (!slots) {
      slots = Array.from({ length: count }, () => tf.variable(tf.zerosLike(variable), false));
      this.slots.set(key, slots);
    }
    return slots;
  }

  snapshot(): OptimizerSnapshot {
    const slots: OptimizerSnapshot['slots'] = {};
    for (const [name, list] of this.slots) {
      slots[name] = { shape: list[0]!.shape, values: list.map((slot) => Array.from(slot.dataSync())) };
    }
    return { step: this.step, slots };
  }

  restore(snapshot: OptimizerSnapshot): void {
    this.dispose();
    this.step = snapshot.step;
    for (const [name, { shape, values }] of Object.entries(snapshot.slots)) {
      this.slots.set(
        name,
        values.map((v) => tf.tidy(() => tf.variable(tf.tensor(v, shape), false))),
      );
    }
  }

  dispose(): void {
    for (const list of this.slots.values()) tf.dispose(list);
    this.slots.clear();
  }
}

/** Scales gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
  if (!(norm > maxNorm)) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  const clipped: Record<string, tf.Tensor> = {};
  for (const [name, grad] of Object.entries(grads)) {
    clipped[name] = tf.mul(grad, scale);
    grad.dispose();
  }
  return { grads: clipped, norm };
}
