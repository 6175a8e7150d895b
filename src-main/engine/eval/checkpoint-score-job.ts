import * as tf from '@tensorflow/tfjs-core';
import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { windowBatch } from '../../../src-shared/run-config';
import type { JobContext } from '../job-context';
import { validate } from './validate';
import type { ExternalModel } from '../../../src-shared/external-model';
import { externalPredictor } from '../onnx/external-model';
import { cpuInference } from '../onnx/ort-predictor';
import { maskPredictor } from './predicted-masks';
import { loadRunModel } from '../model-io/load-model';
import { modelSpecOf } from '../train/setup';
import { ReplicaPool } from '../workers/replica-pool';
import { validationThreads } from '../workers/threads';

/**
 * The `eval` job kind: one run's checkpoint scored on a split's full images, by sliding window;
 * counts per class and per image, and the loss (`segbench eval`, and the hard-sample ranking's
 * pass over the training split). Nothing is stored beyond the job's result; the `evaluate` kind
 * (evaluation-job.ts) is the stored comparison of runs with TTA and ensembles. On wasm the images
 * are shared out over compute workers as well as this thread.
 */
export async function runCheckpointScoreJob(params: JobParams<'eval'>, context: JobContext): Promise<JobResult<'eval'>> {
  if (params.external) return scoreExternal(params, params.external, context);
  if (params.predictedMasks) {
    const total = params.items.length;
    let done = 0;
    const labelMap = new Map(params.labelMap);
    const options = {
      size: 0,
      overlap: 0,
      normalization: { mean: [], std: [] },
      batchSize: 1,
      classes: params.classNames.length,
      inputChannels: null,
      signal: context.signal,
    };
    context.progress(0, total, `scoring ${total} predicted masks`);
    const scored = await validate(maskPredictor(params.predictedMasks, labelMap, params.classNames.length), params.items, labelMap, options, () =>
      context.progress(++done, total, `scored ${done} of ${total} predicted masks`),
    );
    // Masks have no probabilities, so no loss.
    return { ...scored, loss: null };
  }
  const { model, state } = await loadRunModel(params);
  // On the CPU the checkpoint scores on ONNX Runtime, which takes the cores itself (no compute workers).
  const ort = await cpuInference(model, context);
  if (ort) {
    try {
      const total = params.items.length;
      let done = 0;
      context.progress(0, total, `evaluating ${total} images on ONNX Runtime`);
      const options = {
        size: params.config.inputSize,
        overlap: params.config.validationOverlap,
        normalization: state.normalization,
        batchSize: windowBatch(params.config),
        classes: params.classNames.length,
        inputChannels: params.config.inputChannels,
        signal: context.signal,
      };
      return await validate(ort.predictor, params.items, new Map(params.labelMap), options, () =>
        context.progress(++done, total, `evaluated ${done} of ${total} images`),
      );
    } finally {
      await ort.release();
      model.dispose();
    }
  }
  const threads = Math.min(validationThreads(tf.getBackend()), params.items.length);
  const replicas = await ReplicaPool.create(
    model,
    { model: params.config.model, modelOptions: modelSpecOf(params.config, params.classNames.length), loss: 'ce', lossOptions: {}, distill: null },
    threads,
    (message) => context.log('warn', message),
  );
  try {
    context.progress(0, params.items.length, `evaluating ${params.items.length} images on ${replicas.threads} thread${replicas.threads === 1 ? '' : 's'}`);
    let done = 0;
    const options = {
      size: params.config.inputSize,
      overlap: params.config.validationOverlap,
      normalization: state.normalization,
      batchSize: windowBatch(params.config),
      classes: params.classNames.length,
      inputChannels: params.config.inputChannels,
    };
    const labelMap = new Map(params.labelMap);
    const helpers = await replicas.validationHelpers(labelMap, options);
    return await validate(
      model,
      params.items,
      labelMap,
      { ...options, signal: context.signal },
      () => context.progress(++done, params.items.length, `evaluated ${done} of ${params.items.length} images`),
      helpers,
    );
  } finally {
    await replicas.stop();
    model.dispose();
  }
}

/** An imported model scored on ONNX Runtime, which takes the cores itself (no compute workers). */
async function scoreExternal(params: JobParams<'eval'>, external: ExternalModel, context: JobContext): Promise<JobResult<'eval'>> {
  const { predictor, release } = await externalPredictor(external, undefined, (m) => context.log('info', m));
  try {
    const total = params.items.length;
    context.progress(0, total, `evaluating ${total} images on ONNX Runtime`);
    let done = 0;
    const options = {
      size: params.config.inputSize,
      overlap: params.config.validationOverlap,
      normalization: external.normalization,
      batchSize: windowBatch(params.config),
      classes: params.classNames.length,
      inputChannels: params.config.inputChannels,
      signal: context.signal,
    };
    return await validate(predictor, params.items, new Map(params.labelMap), options, () =>
      context.progress(++done, total, `evaluated ${done} of ${total} images`),
    );
  } finally {
    await release();
  }
}
