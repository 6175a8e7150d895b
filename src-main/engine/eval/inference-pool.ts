import type { ModelRef, TrainItem } from '../../../src-shared/training';
import { ComputeWorker } from '../workers/compute-worker';
import { validationThreads } from '../workers/threads';
import type { EvaluatedImage, EvaluationSpec, PredictedImage, PredictInput, PredictSettings } from './inference-types';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import type { ImageWork } from './share-out';
import { shareOut } from './share-out';

/**
 * Compute workers for the inference jobs (`predict`, `evaluate`): each loads the runs'
 * checkpoints itself, once per job, so no weights cross threads, and then does whole images,
 * taken from the same queue as the engine's thread (`shareOut`). The engine's thread starts on
 * the first image at once; a worker joins when it has loaded the runs. On backends other than
 * wasm, or for a single image, there are no workers and the engine's thread does everything.
 */
class InferencePool {
  private workers: InferenceWorker[];
  private lost = new Set<InferenceWorker>();

  private constructor(
    workers: InferenceWorker[],
    private readonly onWorkerLost: (reason: string) => void,
  ) {
    this.workers = workers;
  }

  /** Starts up to `threads - 1` workers for `images` images, without waiting for them. */
  static start(refs: readonly (ModelRef & { name?: string })[], backend: string, images: number, onWorkerLost: (reason: string) => void): InferencePool {
    const threads = Math.min(validationThreads(backend), images);
    return new InferencePool(
      Array.from({ length: Math.max(0, threads - 1) }, () => new InferenceWorker(refs)),
      onWorkerLost,
    );
  }

  /** Threads in use: the engine's plus the workers not lost. */
  get threads(): number {
    return 1 + this.workers.length;
  }

  /**
   * One ImageWork per worker: it waits for the worker to load the runs, then asks it. A worker
   * that does not start or fails is stopped and reported; its image goes back to the engine's thread.
   */
  helpers<T>(request: (worker: InferenceWorker, index: number) => Promise<T>): ImageWork<T>[] {
    return this.workers.map((worker) => async (index: number) => {
      try {
        await worker.ready;
      } catch (error) {
        this.drop(
          worker,
          `A compute worker did not start (${(error as Error).message}); the job uses ${this.threads - 1} thread${this.threads === 2 ? '' : 's'}.`,
        );
        throw error;
      }
      try {
        return await request(worker, index);
      } catch (error) {
        this.drop(
          worker,
          `A compute worker failed (${(error as Error).message}); its image was done on the engine's thread, and the job goes on with ${this.threads - 1} thread${this.threads === 2 ? '' : 's'}.`,
        );
        throw error;
      }
    });
  }

  async stop(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  private drop(worker: InferenceWorker, message: string): void {
    if (this.lost.has(worker)) return;
    this.lost.add(worker);
    this.workers = this.workers.filter((w) => w !== worker);
    void worker.stop();
    this.onWorkerLost(message);
  }
}

/**
 * An inference job's images over the engine's thread and a pool for `refs`, with progress
 * ("predicted 3 of 7 images", then which share the workers did); results by image index. The
 * pool is stopped however it ends; a cancelled job throws JobCancelled.
 */
export async function shareImages<T>(
  refs: readonly (ModelRef & { name?: string })[],
  backend: string,
  total: number,
  context: JobContext,
  verbs: { doing: string; done: string },
  local: ImageWork<T>,
  remote: (worker: InferenceWorker, index: number) => Promise<T>,
): Promise<(T | undefined)[]> {
  const pool = InferencePool.start(refs, backend, total, (message) => context.log('warn', message));
  try {
    // 'onnxruntime': ONNX Runtime runs the windows with the cores itself, no workers beside it.
    const where = backend === 'onnxruntime' ? 'ONNX Runtime' : `${pool.threads} thread${pool.threads === 1 ? '' : 's'}`;
    context.progress(0, total, `${verbs.doing} ${total} images on ${where}`);
    let finished = 0;
    const { results, byHelpers } = await shareOut(total, local, pool.helpers(remote), context.signal, () => {
      finished += 1;
      context.progress(finished, total, `${verbs.done} ${finished} of ${total} images`);
    });
    throwIfCancelled(context.signal);
    if (pool.threads > 1) context.progress(total, total, `${verbs.done} ${total} images on ${pool.threads} threads, ${byHelpers} of them by the workers`);
    return results;
  } finally {
    await pool.stop();
  }
}

/** A compute worker holding the runs' models for inference; `ready` settles once it has loaded them. */
class InferenceWorker {
  private readonly worker = ComputeWorker.spawn();
  readonly ready: Promise<void>;

  constructor(refs: readonly (ModelRef & { name?: string })[]) {
    this.ready = this.worker.call({ type: 'runs', refs: refs.map((ref, i) => ({ ...ref, name: ref.name ?? `run ${i + 1}` })) }).then((reply) => {
      if (reply.type !== 'runs-ready') throw new Error(`unexpected reply ${reply.type}`);
    });
    // Observed here; the helpers await it again and report a failure.
    this.ready.catch(() => {});
  }

  async evaluate(item: TrainItem, spec: EvaluationSpec): Promise<EvaluatedImage> {
    const reply = await this.worker.call({ type: 'evaluate', item, spec });
    if (reply.type !== 'evaluated') throw new Error(`unexpected reply ${reply.type}`);
    return reply.image;
  }

  async predict(settings: PredictSettings, input: PredictInput): Promise<PredictedImage> {
    const reply = await this.worker.call({ type: 'predict', settings, input });
    if (reply.type !== 'predicted') throw new Error(`unexpected reply ${reply.type}`);
    return reply.image;
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }
}
