import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { checkDeviceAlive } from '../backend/webgpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { imageData, labelData } from '../data/batch';
import type { Normalization } from '../data/batch';
import type { Pixels } from '../data/decode';
import type { LossOptions } from '../losses/losses';
import type { LossFunction } from '../losses/registry';
import { batchLoss } from './batch-loss';
import type { DistillWeights } from './batch-loss';
import type { FromLane, LanePart, LaneSetup, ToLane } from './lane-protocol';
import type { ImageScorer, ScoredImage, ScoreOptions } from '../eval/validate';
import type { TrainItem } from '../../../src-shared/training';
import { getLoss } from '../losses/registry';

/**
 * Data parallelism for the wasm backend. tfjs runs wasm on one thread under Node, so a 2-core
 * machine trains on half of it. Here each step's batch is split between the engine's thread and
 * gradient workers (worker threads, each with its own wasm instance and a replica of the model):
 * the workers get the current weights and their part, all parts are differentiated at the same
 * time, and the gradients are averaged, weighted by the images in each part, before one optimizer
 * step on the engine's thread. As in data-parallel PyTorch, batch norm sees each part's statistics,
 * and its running averages are those of the engine's part.
 */

/** Threads asked for by SEGBENCH_TRAIN_THREADS: a whole number from 1, or null (unset or not valid). */
function threadsAsked(env: NodeJS.ProcessEnv): number | null {
  const asked = Number(env.SEGBENCH_TRAIN_THREADS);
  return env.SEGBENCH_TRAIN_THREADS !== undefined && Number.isInteger(asked) && asked >= 1 ? asked : null;
}

/** What is wrong with SEGBENCH_TRAIN_THREADS, when it is set to something that is not a thread count. */
export function threadsSettingProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  const value = env.SEGBENCH_TRAIN_THREADS;
  if (value === undefined || value === '' || threadsAsked(env) !== null) return null;
  return `SEGBENCH_TRAIN_THREADS="${value}" is not a thread count (valid: a whole number from 1; 1 turns the split off); using the cores instead.`;
}

/** Threads for training on wasm: SEGBENCH_TRAIN_THREADS, else the cores; at most 4, and at least 2 images each. */
export function trainingThreads(batchSize: number, backend: string, env: NodeJS.ProcessEnv = process.env): number {
  if (backend !== 'wasm') return 1;
  const wanted = threadsAsked(env) ?? cpus().length;
  return Math.max(1, Math.min(wanted, 4, Math.floor(batchSize / 2)));
}

/** Threads for validation and evaluation on wasm: whole images are the unit, so the batch does not limit them. */
export function validationThreads(backend: string, env: NodeJS.ProcessEnv = process.env): number {
  if (backend !== 'wasm') return 1;
  return Math.max(1, Math.min(threadsAsked(env) ?? cpus().length, 4));
}

/** Sizes of the parts of a batch of `n` over `lanes` lanes, as even as possible, the largest first. */
export function splitBatch(n: number, lanes: number): number[] {
  const count = Math.max(1, Math.min(lanes, n));
  return Array.from({ length: count }, (_, i) => Math.floor(n / count) + (i < n % count ? 1 : 0));
}

/** One gradient worker seen from the engine's thread: one request at a time. */
export class GradientLane {
  private pending: { resolve: (message: FromLane) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromLane) => this.settle(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the worker exited (code ${code})`)));
  }

  /** Starts a worker and builds its replica; the shapes must be those of the engine's model. */
  static async start(setup: LaneSetup, shapes: number[][]): Promise<GradientLane> {
    const lane = new GradientLane(spawnWorker());
    try {
      const ready = await lane.call({ type: 'init', setup });
      if (ready.type !== 'ready') throw new Error(`unexpected reply ${ready.type}`);
      if (JSON.stringify(ready.shapes) !== JSON.stringify(shapes)) throw new Error('its model does not have the engine model\'s weights');
      return lane;
    } catch (error) {
      await lane.stop();
      throw error;
    }
  }

  /** A worker with nothing built yet (the inference jobs load their runs into it). */
  static spawn(): GradientLane {
    return new GradientLane(spawnWorker());
  }

  get alive(): boolean {
    return this.failure === null;
  }

  async gradients(weights: Float32Array[], part: LanePart, transfer: boolean): Promise<{ loss: number; grads: Float32Array[] }> {
    const buffers = [part.x.buffer, part.y.buffer, ...(part.soft ? [part.soft.buffer] : []), ...(transfer ? weights.map((w) => w.buffer) : [])];
    const reply = await this.call({ type: 'step', weights, part }, buffers as ArrayBuffer[]);
    if (reply.type !== 'grads') throw new Error(`unexpected reply ${reply.type}`);
    return reply;
  }

  async setWeights(weights: Float32Array[]): Promise<void> {
    const reply = await this.call({ type: 'weights', weights });
    if (reply.type !== 'weights-set') throw new Error(`unexpected reply ${reply.type}`);
  }

  async score(item: TrainItem, labelMap: [number, number][], options: ScoreOptions): Promise<ScoredImage> {
    const reply = await this.call({ type: 'score', item, labelMap, options });
    if (reply.type !== 'scored') throw new Error(`unexpected reply ${reply.type}`);
    return reply.image;
  }

  /** The worker's live tensor count (tests check it stays flat). */
  async tensors(): Promise<number> {
    const reply = await this.call({ type: 'memory' });
    if (reply.type !== 'memory') throw new Error(`unexpected reply ${reply.type}`);
    return reply.tensors;
  }

  async stop(): Promise<void> {
    this.fail(new Error('stopped'));
    await this.worker.terminate();
  }

  /** Sends one request and waits for its reply; one at a time. */
  call(message: ToLane, transfer: ArrayBuffer[] = []): Promise<FromLane> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('a request is already pending'));
    return new Promise<FromLane>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  private settle(message: FromLane): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    if (message.type === 'error') pending.reject(new Error(message.message));
    else pending.resolve(message);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

/** The worker's entry: the bundled file next to the engine's, or the TypeScript source under tsx (tests, benchmarks). */
function spawnWorker(): Worker {
  if (__filename.endsWith('.ts')) {
    const source = join(__dirname, 'lane-worker.ts');
    return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
  }
  return new Worker(join(__dirname, 'lane-worker.cjs'));
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
 * Gradients of a batch's loss, on the engine's thread alone or split over gradient workers. A
 * worker that fails is dropped for the rest of the job and its part computed here, so the step
 * still counts every image; `onLaneLost` says what happened.
 */
export class GradientRunner {
  constructor(
    private readonly model: tfl.LayersModel,
    private readonly variables: tf.Variable[],
    private readonly lossFn: LossFunction,
    private readonly lossOptions: LossOptions,
    private readonly distill: DistillWeights | null,
    private lanes: GradientLane[],
    private readonly onLaneLost: (reason: string) => void = () => {},
  ) {}

  /**
   * Starts `threads - 1` workers; one that cannot start is reported and training goes on without
   * it. The loss is resolved from `setup.loss` here and in each worker, from the same LaneSetup.
   */
  static async create(
    model: tfl.LayersModel,
    setup: LaneSetup,
    threads: number,
    onLaneLost: (reason: string) => void,
  ): Promise<GradientRunner> {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const shapes = variables.map((v) => v.shape);
    const started = await Promise.allSettled(Array.from({ length: Math.max(0, threads - 1) }, () => GradientLane.start(setup, shapes)));
    const lanes: GradientLane[] = [];
    for (const result of started) {
      if (result.status === 'fulfilled') lanes.push(result.value);
      else onLaneLost(`A gradient worker did not start (${(result.reason as Error).message}); training uses fewer threads.`);
    }
    return new GradientRunner(model, variables, getLoss(setup.loss), setup.lossOptions, setup.distill, lanes, onLaneLost);
  }

  /** Threads in use: the engine's plus the live workers. */
  get threads(): number {
    return 1 + this.lanes.length;
  }

  async gradients(batch: BatchInput): Promise<StepGradients> {
    const n = batch.images.length;
    const sizes = splitBatch(n, this.threads);
    if (sizes.length === 1) return await this.local(batch, 0, n);
    // Part 0 is the engine's; parts 1.. go to the workers, which start before the engine's part.
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const weights = this.variables.map((v) => v.dataSync() as Float32Array);
    const lanes = this.lanes.slice(0, sizes.length - 1);
    const remote = lanes.map((lane, i) => {
      const part = this.part(batch, starts[i + 1]!, sizes[i + 1]!);
      // The last worker may take the weights' buffers; the others get copies.
      return lane.gradients(weights, part, i === lanes.length - 1);
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
      this.drop(lanes[i]!, (result.reason as Error).message);
      parts.push(await this.local(batch, starts[i + 1]!, sizes[i + 1]!));
    }
    return combine(parts, sizes.slice(0, parts.length));
  }

  /**
   * The workers as validation helpers: each gets every weight of the model once (not per image),
   * then scores whole images. A worker that fails to take the weights is dropped.
   */
  async validationHelpers(labelMap: ReadonlyMap<number, number>, options: ScoreOptions): Promise<ImageScorer[]> {
    if (this.lanes.length === 0) return [];
    const weights = await Promise.all(this.model.weights.map(async (w) => (await w.read().data()) as Float32Array));
    const pairs = [...labelMap.entries()];
    const ready = await Promise.allSettled(this.lanes.map((lane) => lane.setWeights(weights)));
    const helpers: ImageScorer[] = [];
    ready.forEach((result, i) => {
      const lane = this.lanes[i]!;
      if (result.status === 'rejected') {
        this.drop(lane, (result.reason as Error).message);
        return;
      }
      helpers.push({
        score: (item) =>
          lane.score(item, pairs, options).catch((error: Error) => {
            this.drop(lane, error.message);
            throw error;
          }),
      });
    });
    return helpers;
  }

  async stop(): Promise<void> {
    const lanes = this.lanes;
    this.lanes = [];
    await Promise.all(lanes.map((lane) => lane.stop()));
  }

  /** The workers' live tensor counts (tests). */
  laneTensors(): Promise<number[]> {
    return Promise.all(this.lanes.map((lane) => lane.tensors()));
  }

  private async local(batch: BatchInput, start: number, count: number): Promise<StepGradients> {
    const x = tf.tensor4d(imageData(batch.images.slice(start, start + count), batch.size, batch.normalization), [count, batch.size, batch.size, batch.normalization.mean.length]);
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

  private part(batch: BatchInput, start: number, count: number): LanePart {
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

  private drop(lane: GradientLane, reason: string): void {
    this.lanes = this.lanes.filter((l) => l !== lane);
    void lane.stop();
    this.onLaneLost(`A gradient worker failed (${reason}); its images were done on the engine's thread, and training goes on with ${this.threads} thread${this.threads === 1 ? '' : 's'}.`);
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
