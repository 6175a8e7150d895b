import { channelCount } from '../../../src-shared/bands';
import { classWeights } from '../../../src-shared/class-weights';
import type { RunConfig } from '../../../src-shared/run-config';
import type { TrainJobParams } from '../../../src-shared/training';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BackendReport } from '../backend/select';
import { epochOrder } from '../data/sampler';
import type { LossOptions } from '../losses/losses';
import { ReplicaPool } from '../workers/replica-pool';
import { trainingThreads } from '../workers/threads';

/**
 * What the train job and the dry-run estimate build from a run's parameters, built one way for
 * both: the model's shape, the loss options (class weights from the training split's pixels),
 * the steps of an epoch (from the sampler's pool: replication and samplesPerEpoch count) and the
 * replica pool (the batch split over compute workers on wasm).
 */
export function modelSpecOf(config: RunConfig, classes: number) {
  return { classes, inputChannels: channelCount(config.inputChannels), inputSize: config.inputSize, ...config.modelOptions };
}

export function lossOptionsOf(config: RunConfig, classPixels: readonly number[]): LossOptions {
  return {
    classWeights: config.loss.classWeights === 'none' ? undefined : classWeights(classPixels, config.loss.classWeights),
    labelSmoothing: config.loss.labelSmoothing,
    focalGamma: config.loss.focalGamma,
  };
}

/** Steps of one epoch: the config's, else one pass over the sampler's first epoch order. */
export function stepsPerEpochOf(config: RunConfig, trainIds: readonly number[]): number {
  if (config.stepsPerEpoch) return config.stepsPerEpoch;
  const order = epochOrder(trainIds, config.sampler, config.seed, 0, config.replicate?.repeats);
  return Math.max(1, Math.ceil(order.length / config.batchSize));
}

export function createReplicaPool(
  model: tfl.LayersModel,
  params: Pick<TrainJobParams, 'config' | 'classNames' | 'classPixels'>,
  backend: BackendReport,
  distill: { alpha: number; temperature: number } | null,
  warn: (message: string) => void,
): Promise<ReplicaPool> {
  const { config } = params;
  return ReplicaPool.create(
    model,
    {
      model: config.model,
      modelOptions: modelSpecOf(config, params.classNames.length),
      loss: config.loss.name,
      lossOptions: lossOptionsOf(config, params.classPixels),
      distill,
    },
    trainingThreads(config.batchSize, backend.backend),
    warn,
  );
}
