import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runConfigSchema } from '../../../src-shared/run-config';
import type { TrainJobParams } from '../../../src-shared/training';
import { JobCancelled } from '../../../src-main/engine/job-context';
import { runTrainJob } from '../../../src-main/engine/train/train-job';
import { trainRecorder } from '../../helpers/job-context';
import { tempDir } from '../../helpers/services';
import { tf, wasmReady } from '../../helpers/tf';
import { tinySampleFolder } from '../../helpers/tiny-data';

before(wasmReady);

async function params(extra: Partial<TrainJobParams> = {}, config: Record<string, unknown> = {}): Promise<TrainJobParams> {
  const { items, labelMap } = await tinySampleFolder(6, 40);
  return {
    runId: 'r',
    runDir: tempDir(),
    config: runConfigSchema.parse({
      datasetId: 'd',
      backend: 'wasm',
      model: 'unet',
      modelOptions: { depth: 2, width: 4 },
      inputSize: 32,
      batchSize: 2,
      epochs: 2,
      stepsPerEpoch: 3,
      ...config,
    }),
    classNames: ['bare', 'crop', 'forest', 'water', 'road', 'building'],
    labelMap,
    classPixels: [1, 1, 1, 1, 1, 1],
    train: items.slice(0, 4),
    val: items.slice(4),
    resume: false,
    ...extra,
  };
}

const recorder = trainRecorder;

test('tensor count is flat across steps and epochs, and back to where it started after the job', async () => {
  const p = await params();
  const before = tf.memory().numTensors;
  const { context, tensorsAtStep, data } = recorder();
  const result = await runTrainJob(p, context);
  assert.equal(result.outcome, 'finished');
  assert.equal(tensorsAtStep.length, 6);
  // The first step creates the optimizer's moment buffers; from then on nothing accumulates.
  assert.deepEqual(new Set(tensorsAtStep.slice(1)).size, 1, `tensors per step: ${tensorsAtStep.join(', ')}`);
  assert.equal(tf.memory().numTensors, before);
  const epochs = data.filter((d) => d.kind === 'run-epoch');
  assert.equal(epochs.length, 2);
  assert.ok(existsSync(join(p.runDir, 'last', 'checkpoint.json')));
  assert.ok(existsSync(join(p.runDir, 'best', 'weights.bin')));
});

test('on two threads (batch split over a compute worker) a run trains, rolls back a non-finite loss, and leaks nothing', async () => {
  const p = await params({ nonFiniteAtSteps: [2] }, { batchSize: 4 });
  const before = tf.memory().numTensors;
  const { context, tensorsAtStep, data } = recorder();
  process.env.SEGBENCH_TRAIN_THREADS = '2';
  try {
    const result = await runTrainJob(p, context);
    assert.equal(result.outcome, 'finished');
  } finally {
    delete process.env.SEGBENCH_TRAIN_THREADS;
  }
  const started = data.find((d) => d.kind === 'run-started');
  assert.ok(
    started?.kind === 'run-started' && started.device === 'CPU (WebAssembly, SIMD), 2 threads (the batch split over compute workers)',
    JSON.stringify(started),
  );
  const events = data.filter((d) => d.kind === 'run-event').map((d) => (d.kind === 'run-event' ? d.message : ''));
  assert.ok(
    events.some((m) => /Non-finite loss at step 2: rolled back/.test(m)),
    events.join('\n'),
  );
  assert.ok(!events.some((m) => /compute worker/.test(m)), events.join('\n'));
  // Validation runs on ONNX Runtime (the weights exported at each epoch's end), said once.
  assert.equal(events.filter((m) => /^Validation runs on ONNX Runtime \(CPU, \d threads?\)\.$/.test(m)).length, 1, events.join('\n'));
  assert.deepEqual(new Set(tensorsAtStep.slice(2)).size, 1, `tensors per step: ${tensorsAtStep.join(', ')}`);
  assert.equal(tf.memory().numTensors, before);
  const epochs = data.filter((d) => d.kind === 'run-epoch');
  assert.equal(epochs.length, 2);
});

test('a non-finite loss rolls back, halves the learning rate, and leaks nothing', async () => {
  const p = await params({ nonFiniteAtSteps: [2] });
  const before = tf.memory().numTensors;
  const { context, data } = recorder();
  const result = await runTrainJob(p, context);
  assert.equal(result.outcome, 'finished');
  const events = data.filter((d) => d.kind === 'run-event').map((d) => (d.kind === 'run-event' ? d.message : ''));
  assert.ok(
    events.some((m) => /Non-finite loss at step 2: rolled back to the checkpoint of epoch 0 and halved the learning rate \(x0\.5\); rollback 1 of 3/.test(m)),
    events.join('\n'),
  );
  assert.equal(tf.memory().numTensors, before);
});

test('four non-finite losses in a row end the run diverged with the best checkpoint kept', async () => {
  // Epoch 1 ends at step 3 (best checkpoint); steps 4-6 fill epoch 2 with rollbacks; step 7 is the fourth.
  const p = await params({ nonFiniteAtSteps: [4, 5, 6, 7] }, { epochs: 3 });
  const { context } = recorder();
  const result = await runTrainJob(p, context);
  assert.equal(result.outcome, 'diverged');
  assert.match(result.reason ?? '', /after 3 rollbacks with halved learning rates; stopped\. The best checkpoint is intact\./);
  assert.equal(result.bestEpoch, 1);
  assert.ok(existsSync(join(p.runDir, 'best', 'weights.bin')));
});

test('a cancelled run leaves no tensor behind', async () => {
  const p = await params({}, { epochs: 5 });
  const before = tf.memory().numTensors;
  const { context } = recorder(2);
  await assert.rejects(runTrainJob(p, context), (error: unknown) => error instanceof JobCancelled);
  assert.equal(tf.memory().numTensors, before);
});

test('an image that fails to decode mid-training is skipped and reported, not fatal', async () => {
  const p = await params();
  p.train = [...p.train, { imageId: 99, imagePath: '/nonexistent/x.jpg', maskPath: '/nonexistent/x.png' }];
  p.config = { ...p.config, sampler: { kind: 'weighted', weights: { '99': 50 }, samplesPerEpoch: 6 } };
  const { context, data } = recorder();
  const result = await runTrainJob(p, context);
  assert.equal(result.outcome, 'finished');
  const warnings = data.filter((d) => d.kind === 'run-event' && d.message.startsWith('Skipped image 99'));
  assert.equal(warnings.length, 1, 'reported once, not every time it is drawn');
});

test('a config that cannot fit the wasm heap is refused before training, with the largest batch that fits', async () => {
  const p = await params({}, { inputSize: 512, batchSize: 8, modelOptions: { depth: 4, width: 16 } });
  await assert.rejects(runTrainJob(p, recorder().context), {
    code: 'VALIDATION',
    message: /Batch 8 at 512x512 needs about \d+\.\d GiB.*The largest batch that fits is 1\./,
  });
});

test('gradient accumulation trains, and early stopping ends a run whose mIoU stops improving', async () => {
  // A tiny learning rate makes improvement rare (batch-norm statistics still move, so not never).
  const p = await params({}, { epochs: 8, accumulate: 2, optimizer: { lr: 1e-6 }, earlyStoppingPatience: 2 });
  const { context, data } = recorder();
  const result = await runTrainJob(p, context);
  const epochs = data.flatMap((d) => (d.kind === 'run-epoch' ? [d.epoch] : []));
  const bestEpochs = epochs.filter((e) => e.best).map((e) => e.epoch);
  assert.equal(result.bestEpoch, bestEpochs.at(-1));
  if (result.outcome === 'early-stopped') {
    // It stops exactly `patience` epochs after the last improvement.
    assert.equal(result.epochs, result.bestEpoch! + 2);
    assert.equal(result.reason, 'Validation mIoU did not improve for 2 epochs.');
  } else {
    assert.equal(result.outcome, 'finished');
    assert.equal(result.epochs, 8);
    const gaps = bestEpochs.map((e, i) => e - (bestEpochs[i - 1] ?? 0));
    assert.ok(gaps.every((g) => g <= 2) && 8 - bestEpochs.at(-1)! < 2, `never two stale epochs in a row: ${bestEpochs}`);
  }
  assert.ok(epochs.every((e) => e.imagesPerSecond > 0 && e.dataWait >= 0 && e.dataWait <= 1));
});

test('distillation: a student learns from a finished teacher with flat tensor counts; a teacher of another input size is refused', async () => {
  const teacherParams = await params({}, { epochs: 1 });
  assert.equal((await runTrainJob(teacherParams, recorder().context)).outcome, 'finished');
  const identity = teacherParams.classNames.map((_, t) => teacherParams.classNames.map((__, s) => (s === t ? 1 : 0)));
  const teacher = { runDir: teacherParams.runDir, config: teacherParams.config, classNames: teacherParams.classNames };
  const student = await params({}, { distill: { teacherRunId: 't', matrix: identity, teacher } });
  assert.equal(student.config.distill?.alpha, 0.7);
  const before = tf.memory().numTensors;
  const { context, tensorsAtStep } = recorder();
  const result = await runTrainJob(student, context);
  assert.equal(result.outcome, 'finished');
  assert.equal(new Set(tensorsAtStep.slice(1)).size, 1, `tensors per step: ${tensorsAtStep.join(', ')}`);
  assert.equal(tf.memory().numTensors, before, 'teacher and matrix disposed with the job');

  const bigger = await params({}, { inputSize: 48, distill: { teacherRunId: 't', matrix: identity, teacher } });
  await assert.rejects(runTrainJob(bigger, recorder().context), { code: 'VALIDATION', message: /its input size is 32x32, the student's 48x48/ });
  assert.equal(tf.memory().numTensors, before);
});

test('validateEvery 2 with a one-image subset: epoch 1 skips validation, epoch 2 validates the subset, the last epoch every image', async () => {
  const p = await params({}, { epochs: 3, stepsPerEpoch: 2, validateEvery: 2, validationSubset: { max: 1 } });
  assert.equal(p.val.length, 2);
  const validating: string[] = [];
  const { context, data } = recorder();
  const progress = context.progress;
  context.progress = (done, total, message, eta) => {
    progress(done, total, message, eta);
    if (message.includes('validating')) validating.push(message.replace(/ \(.*$/, ''));
  };
  const before = tf.memory().numTensors;
  const result = await runTrainJob(p, context);
  assert.equal(result.outcome, 'finished');
  const epochs = data.flatMap((d) => (d.kind === 'run-epoch' ? [d.epoch] : []));
  assert.deepEqual(
    epochs.map((e) => [e.validation, e.imageCounts.length, e.counts.length, e.valLoss === null]),
    [
      [{ kind: 'skipped', every: 2 }, 0, 0, true],
      [{ kind: 'subset', images: 1 }, 1, 6, false],
      [{ kind: 'full' }, 2, 6, false],
    ],
  );
  assert.deepEqual(validating, ['epoch 2/3: validating 1/1', 'epoch 3/3: validating 1/2', 'epoch 3/3: validating 2/2']);
  // The skipped epoch cannot be the best; the best came from a validated one.
  assert.equal(epochs[0]!.best, false);
  assert.ok(result.bestEpoch === 2 || result.bestEpoch === 3);
  assert.equal(tf.memory().numTensors, before);
});

/**
 * A run's curve: every step's loss and, per epoch, its mean training loss, validation loss and
 * the validation counts per class and per image (the validation subset included).
 */
async function curve(p: TrainJobParams): Promise<{ steps: number[]; epochs: unknown[] }> {
  const { context, data } = recorder();
  await runTrainJob(p, context);
  return {
    steps: data.flatMap((d) => (d.kind === 'run-steps' ? d.steps.map((s) => s.loss) : [])),
    epochs: data.flatMap((d) =>
      d.kind === 'run-epoch'
        ? [{ trainLoss: d.epoch.trainLoss, valLoss: d.epoch.valLoss, counts: d.epoch.counts, images: d.epoch.imageCounts, validation: d.epoch.validation }]
        : [],
    ),
  };
}

test('the same config and seed train the same model again: identical losses step by step', async () => {
  const first = await params();
  const a = await curve(first);
  const b = await curve({ ...first, runDir: tempDir() });
  assert.equal(a.steps.length, 6);
  assert.deepEqual(b, a);
  const c = await curve({ ...first, runDir: tempDir(), config: { ...first.config, seed: first.config.seed + 1 } });
  assert.notDeepEqual(c.steps, a.steps);
});

test('issue 34: on two threads with a seeded validation subset, two runs of one config give the same curve, validation included', async () => {
  // Every random source follows the seed: initial weights, the sampler's order, crops, flips and
  // turns, the validation subset, and the split of each batch over the compute worker (fixed
  // halves, summed in part order, so the float sums do not depend on which thread ends first).
  const first = await params({}, { batchSize: 4, epochs: 3, validateEvery: 1, validationSubset: { share: 0.5, max: null } });
  process.env.SEGBENCH_TRAIN_THREADS = '2';
  try {
    const a = await curve(first);
    const b = await curve({ ...first, runDir: tempDir() });
    assert.equal(a.steps.length, 9);
    assert.equal(a.epochs.length, 3);
    assert.deepEqual(b, a);
    const c = await curve({ ...first, runDir: tempDir(), config: { ...first.config, seed: first.config.seed + 1 } });
    assert.notDeepEqual(c.steps, a.steps);
  } finally {
    delete process.env.SEGBENCH_TRAIN_THREADS;
  }
});
