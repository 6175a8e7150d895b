import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkDeviceAlive } from '../backend/webgpu';
import { imageData, labelData } from '../data/batch';
import type { Normalization } from '../data/batch';
import type { Pixels } from '../data/decode';
import type { ImageScorer, ScoreOptions } from '../eval/validate';
import type { LossOptions } from '../losses/losses';
import type { LossFunction } from '../losses/registry';
import { getLoss } from '../losses/registry';
import { batchLoss } from '../train/batch-loss';
import type { DistillWeights } from '../train/batch-loss';
import { ComputeWorker } from './compute-worker';
import type { BatchPart, WorkerSetup } from './worker-protocol';

/**
 * Data parallelism for the wasm backend. tfjs runs wasm on one thread under Node, so a 2-core
 * machine trains on half of it. Here each step's batch is split between the engine's thread and
 * compute workers (worker threads, each with its own wasm instance and a replica of the model):
 * the workers get the current weights and their part, all parts are differentiated at the same
 * time, and the gradients are averaged, weighted by the images in each part, before one optimizer
 * step on the engine's thread. As in data-parallel PyTorch, batch norm sees each part's statistics,
 * and its running averages are those of the engine's part. At validation the same replicas score
 * whole images beside the engine's thread (`validationHelpers`).
 */

/** Sizes of the parts of a batch of `n` over `threads` threads, as even as possible, the largest first. */
export function splitBatch(n: number, threads: number): number[] {
  const count = Math.max(1, Math.min(threads, n));
  return Array.from({ length: count }, (_, i) => Math.floor(n / count) + (i < n % count ? 1 : 0));
}

export interface StepGradients {
  loss: number;
  /** By variable name, as tf.variableGrads gives them. */
  grads: Record<string, tf.Tensor>;
}

export interface BatchInput {
  images: readonly Pixels[];
  labels: readonly Uint8Array[];
  size: number;
  normalization: Normalization;
  /** The teacher's soft targets for the whole batch [n, size, size, classes], or null. */
  soft: tf.Tensor | null;
}

/**
 * The engine's model and its replicas in compute workers: the gradients of a batch's loss, on the
 * engine's thread alone or split over the workers, and the workers as validation helpers. A worker
 * that fails is dropped for the rest of the job and its part computed here, so the step still
 * counts every image; `onWorkerLost` says what happened.
 */
export class ReplicaPool {
  constructor(
    private readonly model: tfl.LayersModel,
    private readonly variables: tf.Variable[],
    private readonly lossFn: LossFunction,
    private readonly lossOptions: LossOptions,
    private readonly distill: DistillWeights | null,
    private workers: ComputeWorker[],
    private readonly onWorkerLost: (reason: string) => void = () => {},
  ) {}

  /**
   * Starts `threads - 1` workers; one that cannot start is reported and training goes on without
   * it. The loss is resolved from `setup.loss` here and in each worker, from the same WorkerSetup.
   */
  static async create(model: tfl.LayersModel, setup: WorkerSetup, threads: number, onWorkerLost: (reason: string) => void): Promise<ReplicaPool> {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const shapes = variables.map((v) => v.shape);
    const started = await Promise.allSettled(Array.from({ length: Math.max(0, threads - 1) }, () => ComputeWorker.start(setup, shapes)));
    const workers: ComputeWorker[] = [];
    for (const result of started) {
      if (result.status === 'fulfilled') workers.push(result.value);
      else onWorkerLost(`A compute worker did not start (${(result.reason as Error).message}); training uses fewer threads.`);
    }
    return new ReplicaPool(model, variables, getLoss(setup.loss), setup.lossOptions, setup.distill, workers, onWorkerLost);
  }

  /** Threads in use: the engine's plus the live workers. */
  get threads(): number {
    return 1 + this.workers.length;
  }

  async gradients(batch: BatchInput): Promise<StepGradients> {
    const n = batch.images.length;
    const sizes = splitBatch(n, this.threads);
    if (sizes.length === 1) return await this.local(batch, 0, n);
    // Part 0 is the engine's; parts 1.. go to the workers, which start before the engine's part.
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const weights = this.variables.map((v) => v.dataSync() as Float32Array);
    const workers = this.workers.slice(0, sizes.length - 1);
    const remote = workers.map((worker, i) => {
      const part = this.part(batch, starts[i + 1]!, sizes[i + 1]!);
      // The last worker may take the weights' buffers; the others get copies.
      return worker.gradients(weights, part, i === workers.length - 1);
    });
    // Settled from the start, so that a failure here leaves no rejected promise unobserved.
    const remoteSettled = Promise.allSettled(remote);
    const parts: StepGradients[] = [await this.local(batch, 0, sizes[0]!)];
    const settled = await remoteSettled;
    for (const [i, result] of settled.entries()) {
      if (result.status === 'fulfilled') {
        parts.push({ loss: result.value.loss, grads: this.asTensors(result.value.grads) });
        continue;
      }
      this.drop(workers[i]!, (result.reason as Error).message);
      parts.push(await this.local(batch, starts[i + 1]!, sizes[i + 1]!));
    }
    return combine(parts, sizes.slice(0, parts.length));
  }

  /**
   * The workers as validation helpers: each gets every weight of the model once (not per image),
   * then scores whole images. A worker that fails to take the weights is dropped.
   */
  async validationHelpers(labelMap: ReadonlyMap<number, number>, options: ScoreOptions): Promise<ImageScorer[]> {
    if (this.workers.length === 0) return [];
    const weights = await Promise.all(this.model.weights.map(async (w) => (await w.read().data()) as Float32Array));
    const pairs = [...labelMap.entries()];
    const ready = await Promise.allSettled(this.workers.map((worker) => worker.setWeights(weights)));
    const helpers: ImageScorer[] = [];
    ready.forEach((result, i) => {
      const worker = this.workers[i]!;
      if (result.status === 'rejected') {
        this.drop(worker, (result.reason as Error).message);
        return;
      }
      helpers.push({
        score: (item) =>
          worker.score(item, pairs, options).catch((error: Error) => {
            this.drop(worker, error.message);
            throw error;
          }),
      });
    });
    return helpers;
  }

  async stop(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  /** The workers' live tensor counts (tests). */
  workerTensors(): Promise<number[]> {
    return Promise.all(this.workers.map((worker) => worker.tensors()));
  }

  private async local(batch: BatchInput, start: number, count: number): Promise<StepGradients> {
    const x = tf.tensor4d(imageData(batch.images.slice(start, start + count), batch.size, batch.normalization), [
      count,
      batch.size,
      batch.size,
      batch.normalization.mean.length,
    ]);
    const y = tf.tensor3d(labelData(batch.labels.slice(start, start + count), batch.size), [count, batch.size, batch.size], 'int32');
    const soft = batch.soft ? (count === batch.images.length ? batch.soft : tf.slice(batch.soft, [start, 0, 0, 0], [count, -1, -1, -1])) : null;
    const { value, grads } = tf.variableGrads(() => batchLoss(this.model, x, y, this.lossFn, this.lossOptions, soft, this.distill), this.variables);
    tf.dispose([x, y]);
    // Read asynchronously: WebGPU in Node has no synchronous readback. A device that ran out of
    // memory or was lost during the step says so here rather than as a failed buffer mapping.
    let loss: number;
    try {
      loss = (await value.data())[0]!;
    } catch (error) {
      tf.dispose(Object.values(grads));
      checkDeviceAlive();
      throw error;
    } finally {
      value.dispose();
    }
    try {
      checkDeviceAlive();
    } catch (error) {
      tf.dispose(Object.values(grads));
      throw error;
    }
    if (soft && soft !== batch.soft) soft.dispose();
    return { loss, grads };
  }

  private part(batch: BatchInput, start: number, count: number): BatchPart {
    // Not read inside tf.tidy: tidy walks what its function returns looking for tensors, and
    // walking a Float32Array visits every element (800 ms for a 1M-value array).
    const sliced = batch.soft ? tf.slice(batch.soft, [start, 0, 0, 0], [count, -1, -1, -1]) : null;
    const soft = sliced ? (sliced.dataSync() as Float32Array) : null;
    sliced?.dispose();
    return {
      count,
      size: batch.size,
      x: imageData(batch.images.slice(start, start + count), batch.size, batch.normalization),
      y: labelData(batch.labels.slice(start, start + count), batch.size),
      soft,
      classes: batch.soft ? batch.soft.shape[3]! : 0,
    };
  }

  private asTensors(values: Float32Array[]): Record<string, tf.Tensor> {
    const grads: Record<string, tf.Tensor> = {};
    this.variables.forEach((v, i) => (grads[v.name] = tf.tensor(values[i]!, v.shape)));
    return grads;
  }

  private drop(worker: ComputeWorker, reason: string): void {
    this.workers = this.workers.filter((w) => w !== worker);
    void worker.stop();
    this.onWorkerLost(
      `A compute worker failed (${reason}); its images were done on the engine's thread, and training goes on with ${this.threads} thread${this.threads === 1 ? '' : 's'}.`,
    );
  }
}

/** The batch's mean loss and gradients from its parts' means, weighted by the images in each part. */
function combine(parts: StepGradients[], sizes: number[]): StepGradients {
  const n = sizes.reduce((a, b) => a + b, 0);
  const loss = parts.reduce((sum, p, i) => sum + (p.loss * sizes[i]!) / n, 0);
  const grads: Record<string, tf.Tensor> = {};
  for (const name of Object.keys(parts[0]!.grads)) {
    grads[name] = tf.tidy(() => parts.map((p, i) => tf.mul(p.grads[name]!, sizes[i]! / n)).reduce((a, b) => tf.add(a, b)));
  }
  for (const p of parts) tf.dispose(Object.values(p.grads));
  return { loss, grads };
}
