import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { channelCount } from '../../../src-shared/bands';
import { windowBatch } from '../../../src-shared/run-config';
import * as tf from '@tensorflow/tfjs-core';
import { profileOf } from '../backend/profile';
import { selectBackend } from '../backend/select';
import { windowStarts } from '../eval/sliding-window';
import type { JobContext } from '../job-context';
import { createModel } from '../models/registry';
import { Optimizer } from '../optim/optimizer';
import { createReplicaPool, modelSpecOf, stepsPerEpochOf } from './setup';
import { estimateTrainingBytes, largestLayerBytes, wasmBudgetBytes } from './memory';
import { ortAllowed, ortPredictor } from '../onnx/ort-predictor';
import { cpuThreads } from '../workers/threads';

/**
 * The `estimate` job: a dry run of the launch form's config. Memory from the model's layer sizes;
 * time from two training steps on random data (after one warm-up; split over the cores as the
 * train job splits them) and one batch of validation windows, scaled to the epoch and the
 * validation images (whose sizes main passes along).
 */
export async function runEstimateJob(params: JobParams<'estimate'>, context: JobContext): Promise<JobResult<'estimate'>> {
  const { config } = params;
  const backend = await selectBackend(config.backend);
  const model = createModel(config.model, modelSpecOf(config, params.classNames.length));
  const optimizer = new Optimizer({ ...config.optimizer });
  try {
    const memory = estimateTrainingBytes(model, config.batchSize);
    // wasm: the 4 GiB heap; WebGPU: the largest layer output must be one buffer the adapter can bind.
    const binding = backend.adapter?.limits.maxStorageBufferBindingSize ?? Infinity;
    const largestLayer = largestLayerBytes(model, config.batchSize);
    const profile = profileOf(backend.backend);
    const fits = profile.memoryLimit === 'wasm-heap' ? memory.total <= wasmBudgetBytes : largestLayer <= binding;
    const largestBatch = fits
      ? null
      : profile.memoryLimit === 'wasm-heap'
        ? Math.max(0, Math.floor((wasmBudgetBytes - memory.fixed) / memory.perSample))
        : Math.floor(binding / (largestLayer / config.batchSize));
    // The train job's own count: the sampler's pool (replication, samplesPerEpoch), not the training list.
    const stepsPerEpoch = stepsPerEpochOf(
      config,
      params.train.map((item) => item.imageId),
    );
    let stepSeconds = 0;
    let validationSeconds = 0;
    let threads = 1;
    if (fits) {
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const channels = channelCount(config.inputChannels);
      // A batch of inference windows (`windowBatch`: inferenceBatch, else the training batch).
      const windowsPerPass = windowBatch(config);
      const x = tf.randomNormal([windowsPerPass, config.inputSize, config.inputSize, channels]);
      const pixels = config.inputSize * config.inputSize;
      const images = Array.from({ length: config.batchSize }, (_, b) => Uint8Array.from({ length: pixels * channels }, (_, i) => (i * 37 + b * 11) % 256));
      const labels = Array.from({ length: config.batchSize }, (_, b) => Uint8Array.from({ length: pixels }, (_, i) => (i + b) % params.classNames.length));
      const normalization = { mean: new Array<number>(channels).fill(127.5), std: new Array<number>(channels).fill(64) };
      context.progress(0, 4, 'warming up');
      // The same replica pool as the train job, with the run's loss options (class weights included).
      const replicas = await createReplicaPool(model, params, backend, null, () => {});
      // Validation shares its images over the same threads as training (the engine's and the workers').
      threads = replicas.threads;
      try {
        const step = async (): Promise<void> => {
          const { grads } = await replicas.gradients({ images, labels, size: config.inputSize, normalization, soft: null });
          optimizer.apply(variables, grads, config.optimizer.lr);
          tf.dispose(Object.values(grads));
        };
        await step();
        const started = performance.now();
        for (let i = 0; i < 2; i += 1) {
          await step();
          context.progress(i + 2, 4, 'timing training steps');
        }
        stepSeconds = (performance.now() - started) / 2000;
      } finally {
        await replicas.stop();
      }
      // Validation's own runtime: ONNX Runtime on the CPU when it loads (it takes the cores itself),
      // else tfjs with the images shared over the threads.
      const ort = profile.inferenceOnOrt && ortAllowed() ? await ortPredictor(model, cpuThreads()) : null;
      const crops = Array.from({ length: windowsPerPass }, () => images[0]!);
      // One batch of windows to warm inference up (its kernels differ from training's), then two timed.
      const predictBatch = async (): Promise<void> => {
        if (ort?.predictor) {
          await ort.predictor.probabilities(crops, config.inputSize, normalization);
          return;
        }
        const predicted = model.predict(x) as tf.Tensor;
        await predicted.data();
        predicted.dispose();
      };
      let perWindow: number;
      try {
        await predictBatch();
        const predictStart = performance.now();
        for (let i = 0; i < 2; i += 1) await predictBatch();
        // tfjs: whole images go to the threads from one queue, so the pass takes about 1/threads of
        // the time (1.6-1.8x on two cores, so this errs a little low there).
        perWindow = (performance.now() - predictStart) / 2000 / windowsPerPass / (ort?.predictor ? 1 : threads);
      } finally {
        if (ort?.predictor) await ort.release();
      }
      const windows = params.valSizes.reduce(
        (n, [w, h]) =>
          n + windowStarts(w, config.inputSize, config.validationOverlap).length * windowStarts(h, config.inputSize, config.validationOverlap).length,
        0,
      );
      validationSeconds = windows * perWindow;
      context.progress(4, 4, 'done');
      x.dispose();
    }
    return {
      backend: backend.backend,
      device: backend.device,
      stepMiB: Math.round(memory.total / 2 ** 20),
      fits,
      largestBatch,
      stepSeconds,
      stepsPerEpoch,
      trainSecondsPerEpoch: stepSeconds * stepsPerEpoch,
      validationSeconds,
      validationImages: params.valSizes.length,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
