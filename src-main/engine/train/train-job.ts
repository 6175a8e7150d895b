import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { validationImagesPerEpoch } from '../../../src-shared/validation-plan';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainJobParams, TrainResult } from '../../../src-shared/training';
import type * as tfl from '@tensorflow/tfjs-layers';
import { deviceLine, onNvidiaGpu, profileOf } from '../backend/profile';
import { selectBackend } from '../backend/select';
import type { BackendReport } from '../backend/select';
import { channelCount } from '../../../src-shared/bands';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { normalizationOf } from '../data/batch';
import { epochOrder } from '../data/sampler';
import type { JobContext } from '../job-context';
import { JobCancelled } from '../job-context';
import { createModel } from '../models/registry';
import { Optimizer } from '../optim/optimizer';
import { PlateauTracker, learningRate } from '../optim/schedule';
import { loadCheckpoint, saveCheckpoint } from '../model-io/checkpoint';
import type { CheckpointState } from '../model-io/checkpoint';
import { DataLoader } from './data-loader';
import type { ReplicaPool } from '../workers/replica-pool';
import { threadsSettingProblem } from '../workers/threads';
import { createReplicaPool, modelSpecOf, stepsPerEpochOf } from './setup';
import { checkWasmMemory, checkWebgpuLimits, gpuOutOfMemoryError } from './memory';
import { GpuOutOfMemory } from '../backend/webgpu';
import { ResourceMonitor } from './resources';
import { GradientAccumulator } from './accumulator';
import { disposeTeacher, loadTeacher, softTargets } from './distillation';
import type { Teacher } from './distillation';
import { earlyStop, finishEpoch } from './epoch-end';
import type { EpochStats } from './epoch-end';
import { rollBack } from './rollback';
import { ProgressClock } from './progress-clock';
import { StepReporter } from './step-reporter';
import { loadStartWeights, startNormalization } from './start-weights';

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The `train` job. Epoch loop: sampled batches (prefetched), one optimizer step per `accumulate`
 * batches, validation on full images, checkpoints `last` every epoch and `best` on a new best
 * mIoU. A non-finite loss rolls back to `last` with half the learning rate, at most three times;
 * then the run ends `diverged` with `best` intact. Stopping leaves `last` at the end of the last
 * finished epoch, where a resume continues.
 */
export async function runTrainJob(params: JobParams<'train'>, context: JobContext): Promise<JobResult<'train'>> {
  const backend = await selectBackend(params.config.backend);
  const model = createModel(params.config.model, modelSpecOf(params.config, params.classNames.length), params.config.seed);
  const stableName = new Map(model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, w.originalName]));
  const optimizer = new Optimizer({ ...params.config.optimizer }, (v) => stableName.get(v.name) ?? v.name);
  let teacher: Teacher | null = null;
  try {
    const { memoryLimit } = profileOf(backend.backend);
    if (memoryLimit === 'wasm-heap') checkWasmMemory(model, params.config.batchSize, params.config.inputSize);
    if (memoryLimit === 'buffer-binding' && backend.adapter)
      checkWebgpuLimits(model, params.config.batchSize, params.config.inputSize, backend.adapter.limits.maxStorageBufferBindingSize);
    teacher = await loadTeacher(params.config, model, (message) => context.emit({ kind: 'run-event', level: 'info', message }));
    return await train({ params, model, optimizer, backend, context, teacher });
  } finally {
    optimizer.dispose();
    model.dispose();
    await disposeTeacher(teacher);
  }
}

/** What one training job works with, from start to end. */
interface TrainSetup {
  params: TrainJobParams;
  model: tfl.LayersModel;
  optimizer: Optimizer;
  backend: BackendReport;
  context: JobContext;
  teacher: Teacher | null;
}

async function train(setup: TrainSetup): Promise<TrainResult> {
  const { params, model, optimizer, backend, context, teacher } = setup;
  const { config } = params;
  const loader = new DataLoader(params.train, new Map(params.labelMap), config);
  const lastDir = join(params.runDir, 'last');

  let state: CheckpointState;
  const resumed = params.resume && existsSync(lastDir);
  if (resumed) {
    state = await loadCheckpoint(lastDir, model, optimizer);
  } else {
    const first = (await Promise.all(params.train.slice(0, 16).map((item) => loader.sample(item.imageId).catch(() => null)))).filter((s) => s !== null);
    // Nodata pixels (their labels are ignore) stay out of a multispectral run's statistics.
    const valid = config.inputChannels ? first.map((s) => s.labels.map((l) => (l === ignoreLabel ? 0 : 1))) : undefined;
    const normalization = startNormalization(config, () =>
      normalizationOf(
        first.map((s) => s.image),
        channelCount(config.inputChannels),
        valid,
      ),
    );
    state = {
      epoch: 0,
      globalStep: 0,
      bestMiou: null,
      bestEpoch: null,
      plateau: { best: -Infinity, stale: 0, reductions: 0 },
      lrScale: 1,
      rollbacks: 0,
      staleEpochs: 0,
      normalization: normalization.normalization,
      classNames: params.classNames,
      model: config.model,
      inputSize: config.inputSize,
      savedAt: new Date().toISOString(),
    };
    for (const message of await loadStartWeights(model, config)) context.emit({ kind: 'run-event', level: 'info', message });
    context.emit({ kind: 'run-event', level: 'info', message: `Input normalised with ${normalization.said}.` });
    // Epoch 0 is a checkpoint too: a non-finite loss in the first epoch has somewhere to go back to.
    await saveCheckpoint(lastDir, model, optimizer, state);
  }
  // On wasm the batch is split over the cores (compute workers); elsewhere the backend has its own threads.
  const threadsProblem = profileOf(backend.backend).computeWorkers ? threadsSettingProblem() : null;
  if (threadsProblem) context.emit({ kind: 'run-event', level: 'warn', message: threadsProblem });
  const replicas = await createReplicaPool(model, params, backend, teacher ? { alpha: teacher.alpha, temperature: teacher.temperature } : null, (message) =>
    context.emit({ kind: 'run-event', level: 'warn', message }),
  );
  try {
    return await trainEpochs(setup, replicas, loader, state, resumed);
  } finally {
    await replicas.stop();
  }
}

async function trainEpochs(
  setup: TrainSetup,
  replicas: ReplicaPool,
  loader: DataLoader,
  initialState: CheckpointState,
  resumed: boolean,
): Promise<TrainResult> {
  const { params, model, optimizer, backend, context, teacher } = setup;
  const { config } = params;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const lastDir = join(params.runDir, 'last');
  const bestDir = join(params.runDir, 'best');
  let state = initialState;
  const threads = replicas.threads;
  const device = deviceLine(profileOf(backend.backend), backend.device, threads);
  context.emit({ kind: 'run-started', backend: backend.backend, device, notes: backend.notes, resumedFromEpoch: resumed ? state.epoch : null });
  // The epoch the checkpoint closes, again: stored only if main had not stored it (a full disk).
  if (resumed && state.epochReport) context.emit({ kind: 'run-epoch', epoch: { ...state.epochReport, replayed: true } });

  const plateau = new PlateauTracker(config.schedule.patience, state.plateau.best, state.plateau.stale, state.plateau.reductions);
  const trainIds = params.train.map((item) => item.imageId);
  const stepsPerEpoch = stepsPerEpochOf(config, trainIds);
  const validationPlan = validationImagesPerEpoch(config, params.val.length);
  const clock = new ProgressClock(config.epochs, stepsPerEpoch, validationPlan);
  const reporter = new StepReporter(context, new ResourceMonitor(onNvidiaGpu(backend.backend, backend.adapter?.vendor)), config.epochs, stepsPerEpoch, clock);
  const accumulator = new GradientAccumulator(optimizer, variables, config.accumulate, config.gradClipNorm);
  // The encoder's share of the learning rate: 0 while frozen, then encoderLrFactor.
  const encoderVariables = new Set(model.trainableWeights.filter((w) => w.originalName.startsWith('encoder.')).map((w) => (w.read() as tf.Variable).name));
  const encoderScale =
    (epoch: number) =>
    (variable: tf.Variable): number =>
      encoderVariables.has(variable.name) ? (epoch < config.encoderFreezeEpochs ? 0 : config.encoderLrFactor) : 1;
  if (encoderVariables.size > 0 && (config.encoderFreezeEpochs > 0 || config.encoderLrFactor !== 1) && state.epoch < Math.max(1, config.encoderFreezeEpochs)) {
    context.emit({ kind: 'run-event', level: 'info', message: encoderPlanText(config.encoderFreezeEpochs, config.encoderLrFactor, config.epochs) });
  }

  for (let epoch = state.epoch; epoch < config.epochs; epoch += 1) {
    if (encoderVariables.size > 0 && config.encoderFreezeEpochs > 0 && epoch === config.encoderFreezeEpochs) {
      context.emit({
        kind: 'run-event',
        level: 'info',
        message: `Epoch ${epoch + 1}: the encoder trains from now on, at ${config.encoderLrFactor} times the learning rate.`,
      });
    }
    const stats: EpochStats = { started: performance.now(), lossSum: 0, lossCount: 0, samples: 0, waitMs: 0, workMs: 0, lr: 0 };
    const order = epochOrder(trainIds, config.sampler, config.seed, epoch, config.replicate?.repeats);
    let step = 0;
    for (const pending of loader.batches(order, config.seed * 1_000 + epoch, stepsPerEpoch)) {
      if (context.signal.aborted) throw new JobCancelled();
      const waitStart = performance.now();
      const batch = await pending;
      stats.waitMs += performance.now() - waitStart;
      for (const skipped of batch.skipped) context.emit({ kind: 'run-event', level: 'warn', message: `Skipped image ${skipped.imageId}: ${skipped.message}` });
      step += 1;
      if (batch.crops.length === 0) continue;
      const workStart = performance.now();
      stats.lr = learningRate(config.optimizer.lr, config.schedule, epoch + (step - 1) / stepsPerEpoch, config.epochs, plateau.reductions) * state.lrScale;
      const images = batch.crops.map((c) => c.image);
      const soft = await softTargets(teacher, images, config.inputSize);
      const computed = await replicas
        .gradients({ images, labels: batch.crops.map((c) => c.labels), size: config.inputSize, normalization: state.normalization, soft })
        .catch((error: unknown) => {
          if (!(error instanceof GpuOutOfMemory)) throw error;
          const allocated = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU ?? tf.memory().numBytes;
          throw gpuOutOfMemoryError(model, config.batchSize, config.inputSize, allocated, error.message);
        })
        .finally(() => soft?.dispose());
      const loss = params.nonFiniteAtSteps?.includes(state.globalStep + 1) ? Number.NaN : computed.loss;
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(computed.grads));
        accumulator.discard();
        const rolled = await rollBack(state, epoch, lastDir, model, optimizer, context);
        if ('diverged' in rolled) return rolled.diverged;
        state = rolled.state;
        continue;
      }
      accumulator.add(computed.grads, stats.lr, step === stepsPerEpoch, encoderScale(epoch));
      state.globalStep += 1;
      stats.lossSum += loss;
      stats.lossCount += 1;
      stats.samples += batch.crops.length;
      stats.workMs += performance.now() - workStart;
      reporter.step(state.globalStep, epoch, step, loss, stats.lr);
      // Let a stop request and the heartbeat through between steps.
      await nextTick();
    }
    reporter.flush();
    accumulator.discard();

    state = await finishEpoch(epoch, stats, state, { params, model, optimizer, context, plateau, lastDir, bestDir, replicas }, (image) =>
      reporter.validated(epoch, image, validationPlan[epoch] ?? params.val.length),
    );
    // Saving checkpoints is neither step nor validation time.
    clock.mark();
    const stopped = earlyStop(params, state);
    if (stopped) return stopped;
  }
  return { outcome: 'finished', epochs: state.epoch, bestEpoch: state.bestEpoch, bestMiou: state.bestMiou, reason: null };
}

/** What the encoder's schedule is, in words, for the run's events. */
function encoderPlanText(freeze: number, factor: number, epochs: number): string {
  const rate = factor === 1 ? "the schedule's learning rate" : `${factor} times the learning rate`;
  if (freeze === 0) return `The encoder trains at ${rate}; the decoder and head at the schedule's.`;
  if (freeze >= epochs)
    return `The encoder stays frozen for all ${epochs} epochs (its weights as loaded; batch-norm statistics follow the data): only the decoder and head train.`;
  return `The encoder is frozen for the first ${freeze} epoch${freeze === 1 ? '' : 's'} (its weights as loaded; batch-norm statistics follow the data), then trains at ${rate}.`;
}
