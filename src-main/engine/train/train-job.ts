import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { summarize } from '../../../src-shared/metrics';
import type { TrainJobParams, TrainResult } from '../../../src-shared/training';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend/select';
import type { BackendReport } from '../backend/select';
import { imageTensor, normalizationOf } from '../data/batch';
import { epochOrder } from '../data/sampler';
import type { JobContext } from '../job-context';
import { JobCancelled } from '../job-context';
import { teacherTargets } from '../losses/distill';
import { buildRunModel } from '../model-io/load-model';
import { teacherInputProblem } from '../../../src-shared/distill';
import type { RunConfig } from '../../../src-shared/run-config';
import { ApiError } from '../../../src-shared/errors';
import type { Normalization } from '../data/batch';
import { loadPretrainedWeights } from '../models/pretrained';
import { createModel } from '../models/registry';
import { Optimizer, clipByGlobalNorm } from '../optim/optimizer';
import { PlateauTracker, learningRate } from '../optim/schedule';
import { loadCheckpoint, saveCheckpoint } from '../model-io/checkpoint';
import type { CheckpointState } from '../model-io/checkpoint';
import { DataLoader } from './data-loader';
import type { GradientRunner } from './gradient-lanes';
import { threadsSettingProblem } from './gradient-lanes';
import { createGradientRunner, modelSpecOf, stepsPerEpochOf } from './setup';
import { checkWasmMemory } from './memory';
import { ResourceMonitor } from './resources';
import { validate } from '../eval/validate';

const maxRollbacks = 3;
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
  const model = createModel(params.config.model, modelSpecOf(params.config, params.classNames.length));
  const stableName = new Map(model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, w.originalName]));
  const optimizer = new Optimizer({ ...params.config.optimizer }, (v) => stableName.get(v.name) ?? v.name);
  let teacher: Teacher | null = null;
  try {
    if (backend.backend === 'wasm') checkWasmMemory(model, params.config.batchSize, params.config.inputSize);
    teacher = await loadTeacher(params.config, model);
    return await train({ params, model, optimizer, backend, context, teacher });
  } finally {
    optimizer.dispose();
    model.dispose();
    teacher?.model.dispose();
    teacher?.matrix.dispose();
  }
}

/** A distillation teacher: its model (best checkpoint), its own input normalisation, the class matrix. */
interface Teacher {
  model: tfl.LayersModel;
  normalization: Normalization;
  matrix: tf.Tensor2D;
  alpha: number;
  temperature: number;
}

async function loadTeacher(config: RunConfig, student: tfl.LayersModel): Promise<Teacher | null> {
  const distill = config.distill;
  if (!distill?.teacher || !distill.matrix) return null;
  const { model, state } = await buildRunModel({
    runDir: distill.teacher.runDir,
    checkpoint: 'best',
    config: distill.teacher.config as RunConfig,
    classNames: distill.teacher.classNames,
  });
  const problem = teacherInputProblem(model.inputs[0]!.shape, student.inputs[0]!.shape);
  if (problem) {
    model.dispose();
    throw new ApiError('VALIDATION', problem);
  }
  return { model, normalization: state.normalization, matrix: tf.tensor2d(distill.matrix), alpha: distill.alpha, temperature: distill.temperature };
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
    const firstImages = await Promise.all(params.train.slice(0, 16).map((item) => loader.sample(item.imageId).then((s) => s.image, () => null)));
    state = {
      epoch: 0,
      globalStep: 0,
      bestMiou: null,
      bestEpoch: null,
      plateau: { best: -Infinity, stale: 0, reductions: 0 },
      lrScale: 1,
      rollbacks: 0,
      staleEpochs: 0,
      normalization: normalizationOf(firstImages.filter((image): image is Uint8Array => image !== null)),
      classNames: params.classNames,
      model: config.model,
      inputSize: config.inputSize,
      savedAt: new Date().toISOString(),
    };
    if (config.pretrainedWeights) {
      const loaded = await loadPretrainedWeights(model, config.pretrainedWeights);
      context.emit({
        kind: 'run-event',
        level: 'info',
        message: `Started from ${config.pretrainedWeights}: ${loaded.matched} of ${loaded.total} weights loaded${loaded.skipped.length ? `; trained from scratch: ${loaded.skipped.join(', ')}` : ''}.`,
      });
    }
    // Epoch 0 is a checkpoint too: a non-finite loss in the first epoch has somewhere to go back to.
    await saveCheckpoint(lastDir, model, optimizer, state);
  }
  // On wasm the batch is split over the cores (gradient workers); elsewhere the backend has its own threads.
  const threadsProblem = backend.backend === 'wasm' ? threadsSettingProblem() : null;
  if (threadsProblem) context.emit({ kind: 'run-event', level: 'warn', message: threadsProblem });
  const runner = await createGradientRunner(model, params, backend, teacher ? { alpha: teacher.alpha, temperature: teacher.temperature } : null, (message) =>
    context.emit({ kind: 'run-event', level: 'warn', message }),
  );
  try {
    return await trainEpochs(setup, runner, loader, state, resumed);
  } finally {
    await runner.stop();
  }
}

async function trainEpochs(setup: TrainSetup, runner: GradientRunner, loader: DataLoader, initialState: CheckpointState, resumed: boolean): Promise<TrainResult> {
  const { params, model, optimizer, backend, context, teacher } = setup;
  const { config } = params;
  const classes = params.classNames.length;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const labelMap = new Map(params.labelMap);
  const lastDir = join(params.runDir, 'last');
  const bestDir = join(params.runDir, 'best');
  let state = initialState;
  const threads = runner.threads;
  const device = backend.backend !== 'wasm' ? backend.device : `${backend.device}, ${threads === 1 ? '1 thread' : `${threads} threads (the batch split over gradient workers)`}`;
  context.emit({ kind: 'run-started', backend: backend.backend, device, notes: backend.notes, resumedFromEpoch: resumed ? state.epoch : null });

  const monitor = new ResourceMonitor(backend.backend === 'tfjs-node-gpu');
  const plateau = new PlateauTracker(config.schedule.patience, state.plateau.best, state.plateau.stale, state.plateau.reductions);
  const trainIds = params.train.map((item) => item.imageId);
  const stepsPerEpoch = stepsPerEpochOf(config, trainIds);
  const totalSteps = config.epochs * stepsPerEpoch;

  for (let epoch = state.epoch; epoch < config.epochs; epoch += 1) {
    const started = performance.now();
    const order = epochOrder(trainIds, config.sampler, config.seed, epoch, config.replicate?.repeats);
    let lossSum = 0;
    let lossCount = 0;
    let samples = 0;
    let waitMs = 0;
    let workMs = 0;
    let pendingSteps: { step: number; epoch: number; loss: number; lr: number }[] = [];
    let lastFlush = performance.now();
    let accumulated: Record<string, tf.Tensor> | null = null;
    let accumulatedCount = 0;
    let lr = 0;
    let step = 0;
    for (const pending of loader.batches(order, config.seed * 1_000 + epoch, stepsPerEpoch)) {
      if (context.signal.aborted) throw new JobCancelled();
      const waitStart = performance.now();
      const batch = await pending;
      waitMs += performance.now() - waitStart;
      for (const skipped of batch.skipped) context.emit({ kind: 'run-event', level: 'warn', message: `Skipped image ${skipped.imageId}: ${skipped.message}` });
      step += 1;
      if (batch.crops.length === 0) continue;
      const workStart = performance.now();
      lr = learningRate(config.optimizer.lr, config.schedule, epoch + (step - 1) / stepsPerEpoch, config.epochs, plateau.reductions) * state.lrScale;
      // The teacher's soft targets, outside the gradient tape, from the crops in its own normalisation.
      const soft = teacher
        ? tf.tidy(() => {
            const xt = imageTensor(batch.crops.map((c) => c.image), config.inputSize, teacher.normalization);
            return teacherTargets(teacher.model.apply(xt, { training: false }) as tf.Tensor, teacher.matrix, teacher.temperature);
          })
        : null;
      const computed = await runner
        .gradients({
          images: batch.crops.map((c) => c.image),
          labels: batch.crops.map((c) => c.labels),
          size: config.inputSize,
          normalization: state.normalization,
          soft,
        })
        .finally(() => soft?.dispose());
      const grads = computed.grads;
      let loss = computed.loss;
      if (params.nonFiniteAtSteps?.includes(state.globalStep + 1)) loss = Number.NaN;
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        if (accumulated) tf.dispose(Object.values(accumulated));
        accumulated = null;
        accumulatedCount = 0;
        const rollbacks = state.rollbacks + 1;
        const lrScale = state.lrScale / 2;
        state.globalStep += 1;
        if (rollbacks > maxRollbacks) {
          const reason = `The loss became non-finite at step ${state.globalStep} (epoch ${epoch + 1}) after ${maxRollbacks} rollbacks with halved learning rates; stopped. The best checkpoint is intact.`;
          context.emit({ kind: 'run-event', level: 'warn', message: reason });
          return { outcome: 'diverged', epochs: state.epoch, bestEpoch: state.bestEpoch, bestMiou: state.bestMiou, reason };
        }
        const globalStep = state.globalStep;
        state = { ...(await loadCheckpoint(lastDir, model, optimizer)), rollbacks, lrScale, globalStep };
        context.emit({
          kind: 'run-event',
          level: 'warn',
          message: `Non-finite loss at step ${globalStep}: rolled back to the checkpoint of epoch ${state.epoch} and halved the learning rate (x${lrScale}); rollback ${rollbacks} of ${maxRollbacks}.`,
        });
        continue;
      }
      accumulated = accumulated ? sumGrads(accumulated, grads) : grads;
      accumulatedCount += 1;
      if (accumulatedCount >= config.accumulate || step === stepsPerEpoch) {
        let toApply = accumulated;
        if (config.gradClipNorm !== null) toApply = clipByGlobalNorm(toApply, config.gradClipNorm).grads;
        optimizer.apply(variables, toApply, lr);
        tf.dispose(Object.values(toApply));
        accumulated = null;
        accumulatedCount = 0;
      }
      state.globalStep += 1;
      lossSum += loss;
      lossCount += 1;
      samples += batch.crops.length;
      workMs += performance.now() - workStart;
      pendingSteps.push({ step: state.globalStep, epoch: epoch + 1, loss, lr });
      if (performance.now() - lastFlush > 1000 || step === stepsPerEpoch) {
        context.emit({ kind: 'run-steps', steps: pendingSteps, resources: monitor.sample() });
        pendingSteps = [];
        lastFlush = performance.now();
      }
      context.progress(epoch * stepsPerEpoch + step, totalSteps, `epoch ${epoch + 1}/${config.epochs}, step ${step}/${stepsPerEpoch}, loss ${loss.toFixed(4)}`);
      // Let a stop request and the heartbeat through between steps.
      await nextTick();
    }
    if (pendingSteps.length > 0) context.emit({ kind: 'run-steps', steps: pendingSteps });
    if (accumulated) tf.dispose(Object.values(accumulated));

    context.progress((epoch + 1) * stepsPerEpoch, totalSteps, `epoch ${epoch + 1}/${config.epochs}: validating ${params.val.length} images`);
    const val = await validate(model, params.val, labelMap, {
      size: config.inputSize,
      overlap: config.validationOverlap,
      normalization: state.normalization,
      batchSize: config.batchSize,
      classes,
      signal: context.signal,
    });
    if (context.signal.aborted) throw new JobCancelled();
    for (const skipped of val.skipped) context.emit({ kind: 'run-event', level: 'warn', message: `Skipped validation image ${skipped.imageId}: ${skipped.message}` });
    const miou = summarize(val.counts).miou;
    const improved = miou !== null && (state.bestMiou === null || miou > state.bestMiou);
    if (config.schedule.name === 'plateau' && miou !== null) plateau.update(miou);
    state = {
      ...state,
      epoch: epoch + 1,
      plateau: plateau.toJSON(),
      staleEpochs: improved ? 0 : state.staleEpochs + 1,
      bestMiou: improved ? miou : state.bestMiou,
      bestEpoch: improved ? epoch + 1 : state.bestEpoch,
      savedAt: new Date().toISOString(),
    };
    await saveCheckpoint(lastDir, model, optimizer, state);
    if (improved) await saveCheckpoint(bestDir, model, optimizer, state);
    context.emit({
      kind: 'run-epoch',
      epoch: {
        epoch: epoch + 1,
        trainLoss: lossCount > 0 ? lossSum / lossCount : Number.NaN,
        valLoss: val.loss,
        lr,
        seconds: (performance.now() - started) / 1000,
        imagesPerSecond: waitMs + workMs > 0 ? samples / ((waitMs + workMs) / 1000) : 0,
        dataWait: waitMs + workMs > 0 ? waitMs / (waitMs + workMs) : 0,
        counts: val.counts,
        imageCounts: val.imageCounts,
        best: improved,
      },
    });
    if (config.earlyStoppingPatience !== null && state.staleEpochs >= config.earlyStoppingPatience) {
      return {
        outcome: 'early-stopped',
        epochs: state.epoch,
        bestEpoch: state.bestEpoch,
        bestMiou: state.bestMiou,
        reason: `Validation mIoU did not improve for ${config.earlyStoppingPatience} epochs.`,
      };
    }
  }
  return { outcome: 'finished', epochs: state.epoch, bestEpoch: state.bestEpoch, bestMiou: state.bestMiou, reason: null };
}

function sumGrads(into: Record<string, tf.Tensor>, add: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, grad] of Object.entries(into)) {
    out[name] = tf.add(grad, add[name]!);
    grad.dispose();
    add[name]!.dispose();
  }
  return out;
}
