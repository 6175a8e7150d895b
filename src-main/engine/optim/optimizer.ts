import * as tf from '@tensorflow/tfjs-core';

type OptimizerName = 'adam' | 'adamw' | 'sgd';

interface OptimizerSettings {
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
const decays = (variableName: string): boolean => /kernel/.test(variableName);

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

  /**
   * One step. `lrScale` gives a variable's share of `lr` (an encoder's factor); a share of 0
   * leaves the variable and its slots as they are (a frozen encoder).
   */
  apply(variables: readonly tf.Variable[], grads: Record<string, tf.Tensor>, baseLr: number, lrScale?: (variable: tf.Variable) => number): void {
    this.step += 1;
    const { name, weightDecay, momentum } = this.settings;
    const beta1 = this.settings.beta1 ?? 0.9;
    const beta2 = this.settings.beta2 ?? 0.999;
    const epsilon = this.settings.epsilon ?? 1e-8;
    for (const variable of variables) {
      const grad = grads[variable.name];
      const scale = lrScale ? lrScale(variable) : 1;
      if (!grad || scale === 0) continue;
      const lr = baseLr * scale;
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

  /** The step and every slot's values, read asynchronously (WebGPU in Node has no synchronous readback). */
  async snapshot(): Promise<OptimizerSnapshot> {
    const slots: OptimizerSnapshot['slots'] = {};
    for (const [name, list] of this.slots) {
      slots[name] = { shape: list[0]!.shape, values: await Promise.all(list.map(async (slot) => Array.from(await slot.data()))) };
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

/**
 * Scales gradients so their global L2 norm is at most `maxNorm`, on the device: the factor
 * min(1, maxNorm / (norm + 1e-6)) is a tensor, so no value is read back mid-step (WebGPU in Node
 * has no synchronous readback). Below the limit the factor is exactly 1 and the gradients are unchanged.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): Record<string, tf.Tensor> {
  const scale = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    return tf.where(tf.greater(norm, maxNorm), tf.div(maxNorm, tf.add(norm, 1e-6)), tf.scalar(1));
  });
  const clipped: Record<string, tf.Tensor> = {};
  for (const [name, grad] of Object.entries(grads)) {
    clipped[name] = tf.mul(grad, scale);
    grad.dispose();
  }
  scale.dispose();
  return clipped;
}
