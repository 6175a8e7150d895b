import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainItem } from '../../../src-shared/training';
import type { ScoredImage, ScoreOptions } from '../eval/validate';
import type { BatchPart, FromWorker, ToWorker, WorkerSetup } from './worker-protocol';

/**
 * One compute worker seen from the engine's thread: a worker thread of the engine process with its
 * own wasm backend (compute-worker-thread.ts), one request at a time. Training uses it for the
 * gradients of a part of each batch and for validation scores (ReplicaPool); the inference jobs
 * for whole images (InferencePool).
 */
export class ComputeWorker {
  private pending: { resolve: (message: FromWorker) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromWorker) => this.settle(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the worker exited (code ${code})`)));
  }

  /** Starts a worker and builds its replica; the shapes must be those of the engine's model. */
  static async start(setup: WorkerSetup, shapes: number[][]): Promise<ComputeWorker> {
    const worker = new ComputeWorker(spawnWorker());
    try {
      const ready = await worker.call({ type: 'init', setup });
      if (ready.type !== 'ready') throw new Error(`unexpected reply ${ready.type}`);
      if (JSON.stringify(ready.shapes) !== JSON.stringify(shapes)) throw new Error("its model does not have the engine model's weights");
      return worker;
    } catch (error) {
      await worker.stop();
      throw error;
    }
  }

  /** A worker with nothing built yet (the inference jobs load their runs into it). */
  static spawn(): ComputeWorker {
    return new ComputeWorker(spawnWorker());
  }

  get alive(): boolean {
    return this.failure === null;
  }

  async gradients(weights: Float32Array[], part: BatchPart, transfer: boolean): Promise<{ loss: number; grads: Float32Array[] }> {
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
  call(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('a request is already pending'));
    return new Promise<FromWorker>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  private settle(message: FromWorker): void {
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
    const source = join(__dirname, 'compute-worker-thread.ts');
    return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
  }
  return new Worker(join(__dirname, 'compute-worker-thread.cjs'));
}
