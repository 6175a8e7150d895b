import type { ModelRef, TrainItem } from '../../../src-shared/training';
import { GradientLane, validationThreads } from '../train/gradient-lanes';
import type { EvaluatedImage, EvaluationSpec, PredictedImage, PredictInput, PredictSettings } from './inference-types';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import type { ImageWork } from './share-out';
import { shareOut } from './share-out';

/**
 * Gradient workers for the inference jobs (`predict`, `evaluate`): each loads the runs'
 * checkpoints itself, once per job, so no weights cross threads, and then does whole images,
 * taken from the same queue as the engine's thread (`shareOut`). The engine's thread starts on
 * the first image at once; a worker joins when it has loaded the runs. On backends other than
 * wasm, or for a single image, there are no workers and the engine's thread does everything.
 */
export class InferencePool {
  private lanes: InferenceLane[];
  private lost = new Set<InferenceLane>();

  private constructor(
    lanes: InferenceLane[],
    private readonly onLaneLost: (reason: string) => void,
  ) {
    this.lanes = lanes;
  }

  /** Starts up to `threads - 1` workers for `images` images, without waiting for them. */
  static start(refs: readonly (ModelRef & { name?: string })[], backend: string, images: number, onLaneLost: (reason: string) => void): InferencePool {
    const threads = Math.min(validationThreads(backend), images);
    return new InferencePool(Array.from({ length: Math.max(0, threads - 1) }, () => new InferenceLane(refs)), onLaneLost);
  }

  /** Threads in use: the engine's plus the workers not lost. */
  get threads(): number {
    return 1 + this.lanes.length;
  }

  /**
   * One ImageWork per worker: it waits for the worker to load the runs, then asks it. A worker
   * that does not start or fails is stopped and reported; its image goes back to the engine's thread.
   */
  helpers<T>(request: (lane: InferenceLane, index: number) => Promise<T>): ImageWork<T>[] {
    return this.lanes.map((lane) => async (index: number) => {
      try {
        await lane.ready;
      } catch (error) {
        this.drop(lane, `A worker did not start (${(error as Error).message}); the job uses ${this.threads - 1} thread${this.threads === 2 ? '' : 's'}.`);
        throw error;
      }
      try {
        return await request(lane, index);
      } catch (error) {
        this.drop(lane, `A worker failed (${(error as Error).message}); its image was done on the engine's thread, and the job goes on with ${this.threads - 1} thread${this.threads === 2 ? '' : 's'}.`);
        throw error;
      }
    });
  }

  async stop(): Promise<void> {
    const lanes = this.lanes;
    this.lanes = [];
    await Promise.all(lanes.map((lane) => lane.stop()));
  }

  private drop(lane: InferenceLane, message: string): void {
    if (this.lost.has(lane)) return;
    this.lost.add(lane);
    this.lanes = this.lanes.filter((l) => l !== lane);
    void lane.stop();
    this.onLaneLost(message);
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
  remote: (lane: InferenceLane, index: number) => Promise<T>,
): Promise<(T | undefined)[]> {
  const pool = InferencePool.start(refs, backend, total, (message) => context.log('warn', message));
  try {
    // 'onnxruntime': ONNX Runtime runs the windows with the cores itself, no lanes beside it.
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

/** A gradient worker holding the runs' models for inference; `ready` settles once it has loaded them. */
export class InferenceLane {
  private readonly lane = GradientLane.spawn();
  readonly ready: Promise<void>;

  constructor(refs: readonly (ModelRef & { name?: string })[]) {
    this.ready = this.lane.call({ type: 'runs', refs: refs.map((ref, i) => ({ ...ref, name: ref.name ?? `run ${i + 1}` })) }).then((reply) => {
      if (reply.type !== 'runs-ready') throw new Error(`unexpected reply ${reply.type}`);
    });
    // Observed here; the helpers await it again and report a failure.
    this.ready.catch(() => {});
  }

  async evaluate(item: TrainItem, spec: EvaluationSpec): Promise<EvaluatedImage> {
    const reply = await this.lane.call({ type: 'evaluate', item, spec });
    if (reply.type !== 'evaluated') throw new Error(`unexpected reply ${reply.type}`);
    return reply.image;
  }

  async predict(settings: PredictSettings, input: PredictInput): Promise<PredictedImage> {
    const reply = await this.lane.call({ type: 'predict', settings, input });
    if (reply.type !== 'predicted') throw new Error(`unexpected reply ${reply.type}`);
    return reply.image;
  }

  stop(): Promise<void> {
    return this.lane.stop();
  }
}
