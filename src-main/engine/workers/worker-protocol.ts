import type { LossName } from '../../../src-shared/run-config';
import type { ModelRef, TrainItem } from '../../../src-shared/training';
import type { EvaluatedImage, EvaluationSpec, PredictedImage, PredictInput, PredictSettings } from '../eval/inference-types';
import type { ScoredImage, ScoreOptions } from '../eval/validate';
import type { LossOptions } from '../losses/losses';
import type { ModelOptions } from '../models/registry-types';
import type { DistillWeights } from '../train/batch-loss';

/**
 * The messages between the engine's thread and a compute worker (compute-worker-thread.ts). A
 * worker either holds a replica of the engine's model (`init`: gradients of a part of a batch,
 * validation scores) or the checkpoints of an inference job's runs (`runs`: evaluate, predict).
 */

/** What a replica worker builds: the same model and loss as the engine's thread. */
export interface WorkerSetup {
  model: string;
  modelOptions: ModelOptions;
  loss: LossName;
  lossOptions: LossOptions;
  distill: DistillWeights | null;
}

/** One part of a batch: normalised images [count, size, size, channels], labels, the teacher's soft targets. */
export interface BatchPart {
  count: number;
  size: number;
  x: Float32Array;
  y: Int32Array;
  soft: Float32Array | null;
  classes: number;
}

export type ToWorker =
  | { type: 'init'; setup: WorkerSetup }
  /** Weights in the model's trainable-weight order, then the part to take gradients on. */
  | { type: 'step'; weights: Float32Array[]; part: BatchPart }
  | { type: 'memory' }
  /** Every weight of the model (model.weights order, batch-norm statistics included), once per validation. */
  | { type: 'weights'; weights: Float32Array[] }
  /** Decode one validation image and score it with the weights last sent. */
  | { type: 'score'; item: TrainItem; labelMap: [number, number][]; options: ScoreOptions }
  /** Inference jobs: load these runs' checkpoints (once per job), then evaluate or predict images with them. */
  | { type: 'runs'; refs: (ModelRef & { name: string })[] }
  | { type: 'evaluate'; item: TrainItem; spec: EvaluationSpec }
  /** Predict one image with the first run and write its files. */
  | { type: 'predict'; settings: PredictSettings; input: PredictInput };

export type FromWorker =
  | { type: 'ready'; shapes: number[][] }
  /** Mean loss over the part and the gradient of each trainable weight, in order. */
  | { type: 'grads'; loss: number; grads: Float32Array[] }
  | { type: 'memory'; tensors: number }
  | { type: 'weights-set' }
  | { type: 'scored'; image: ScoredImage }
  | { type: 'runs-ready' }
  | { type: 'evaluated'; image: EvaluatedImage }
  | { type: 'predicted'; image: PredictedImage }
  | { type: 'error'; message: string };
