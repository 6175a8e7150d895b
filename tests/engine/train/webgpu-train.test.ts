import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { TestContext } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import { runConfigSchema } from '../../../src-shared/run-config';
import type { TrainJobParams } from '../../../src-shared/training';
import { installGradients } from '../../../src-main/engine/backend/gradients';
import { recordDeviceEvent } from '../../../src-main/engine/backend/webgpu';
import { JobCancelled } from '../../../src-main/engine/job-context';
import { runPredictJob } from '../../../src-main/engine/eval/predict-job';
import { modelNames } from '../../../src-main/engine/models/registry';
import { runEstimateJob } from '../../../src-main/engine/train/estimate-job';
import { runTrainJob } from '../../../src-main/engine/train/train-job';
import { trainRecorder } from '../../helpers/job-context';
import { tempDir } from '../../helpers/services';
import { tf } from '../../helpers/tf';
import { tinySampleFolder } from '../../helpers/tiny-data';
import { startSoftwareWebgpu } from '../../helpers/webgpu';

// Real training jobs on WebGPU (Dawn on SwiftShader): 3 steps of each model at 32x32, batch 2,
// with validation, then the estimate and predict jobs. Correctness only; SwiftShader is slow.

let skip: string | null = null;
before(async () => {
  installGradients();
  const started = await startSoftwareWebgpu();
  if ('skip' in started) skip = started.skip;
});

function skipped(t: TestContext): boolean {
  if (skip) t.skip(skip);
  return skip !== null;
}

async function params(model: string, config: Record<string, unknown> = {}): Promise<TrainJobParams> {
  const { items, labelMap } = await tinySampleFolder(4, 36);
  return {
    runId: 'r',
    runDir: tempDir(),
    config: runConfigSchema.parse({
      datasetId: 'd',
      backend: 'webgpu',
      model,
      ...(model === 'unet' ? { modelOptions: { depth: 2, width: 4 } } : {}),
      inputSize: 32,
      batchSize: 2,
      epochs: 1,
      stepsPerEpoch: 2,
      ...config,
    }),
    classNames: ['bare', 'crop', 'forest', 'water', 'road', 'building'],
    labelMap,
    classPixels: [1, 1, 1, 1, 1, 1],
    train: items.slice(0, 3),
    val: items.slice(3),
    resume: false,
  };
}

const recorder = trainRecorder;

for (const model of modelNames) {
  test(`${model} trains 3 steps on WebGPU, validates, checkpoints, and leaves no tensor behind`, async (t) => {
    if (skipped(t)) return;
    const p = await params(model, { stepsPerEpoch: 3 });
    const before = tf.memory().numTensors;
    const { context, tensorsAtStep, data } = recorder();
    const result = await runTrainJob(p, context);
    assert.equal(result.outcome, 'finished');
    assert.equal(tf.getBackend(), 'webgpu');
    const started = data.find((d) => d.kind === 'run-started');
    assert.ok(started?.kind === 'run-started' && started.backend === 'webgpu', JSON.stringify(started));
    assert.match(started.device, /SwiftShader.*\(WebGPU on Dawn\); the whole batch runs on the GPU \(compute workers are a CPU feature\)/);
    const epoch = data.find((d) => d.kind === 'run-epoch');
    assert.ok(epoch?.kind === 'run-epoch' && Number.isFinite(epoch.epoch.trainLoss) && Number.isFinite(epoch.epoch.valLoss), JSON.stringify(epoch));
    // Validation scored every pixel of the validation image (36x36).
    const counted = epoch.epoch.counts.reduce((n, c) => n + c.tp + c.fn, 0);
    assert.equal(counted, 36 * 36);
    assert.equal(tensorsAtStep.length, 3);
    // GPU memory from the backend's own accounting reaches the run page.
    const resources = data.flatMap((d) => (d.kind === 'run-steps' && d.resources ? [d.resources] : []));
    assert.ok(resources.length > 0 && resources.every((r) => typeof r.gpuBuffersMiB === 'number'), JSON.stringify(resources));
    // The first step makes the optimizer's moments; after it the count stays put.
    assert.equal(new Set(tensorsAtStep.slice(1)).size, 1, `tensors per step: ${tensorsAtStep.join(', ')}`);
    assert.equal(tf.memory().numTensors, before);
    assert.ok(existsSync(join(p.runDir, 'best', 'weights.bin')));
  });
}

test('a cancelled WebGPU run leaves no tensor behind; the estimate and predict jobs run on WebGPU', async (t) => {
  if (skipped(t)) return;
  const p = await params('unet', { epochs: 2, stepsPerEpoch: 2 });
  const first = await runTrainJob(p, recorder().context);
  assert.equal(first.outcome, 'finished');
  const before = tf.memory().numTensors;
  const cancelled = recorder(1);
  await assert.rejects(runTrainJob({ ...p, runDir: tempDir() }, cancelled.context), JobCancelled);
  assert.equal(tf.memory().numTensors, before, 'cancelled mid-epoch: nothing left');

  const estimate = await runEstimateJob({ ...p, valSizes: [[36, 36]] }, recorder().context);
  assert.equal(estimate.backend, 'webgpu');
  assert.ok(estimate.fits && estimate.stepSeconds > 0 && estimate.validationSeconds > 0, JSON.stringify(estimate));

  const outDir = tempDir();
  const images = p.val.map((item) => item.imagePath);
  const predicted = await runPredictJob(
    {
      runDir: p.runDir,
      checkpoint: 'best',
      config: p.config,
      classNames: p.classNames,
      images,
      outDir,
      colors: p.classNames.map(() => '#336699'),
      tta: true,
      encoding: 'class-index',
    },
    recorder().context,
  );
  assert.equal(predicted.written, images.length, JSON.stringify(predicted));
  assert.equal(readdirSync(outDir).filter((f) => f.endsWith('_index.png')).length, images.length, readdirSync(outDir).join(', '));
  assert.equal(tf.memory().numTensors, before, 'estimate and predict leave nothing behind');
});

test('a lost device mid-run fails the run with the reason and keeps the checkpoint; --resume continues on another backend', async (t) => {
  if (skipped(t)) return;
  const p = await params('unet', { epochs: 2, stepsPerEpoch: 2 });
  const lost = recorder();
  const progress = lost.context.progress;
  lost.context.progress = (done, total, message, eta) => {
    progress(done, total, message, eta);
    // After the first epoch's checkpoint, the driver "resets" during step 1 of epoch 2.
    if (message.includes('epoch 2') && message.includes(', step 1')) recordDeviceEvent({ lost: 'simulated driver reset' });
  };
  await assert.rejects(
    runTrainJob(p, lost.context),
    /The GPU device was lost: simulated driver reset\. The run keeps its last checkpoint; resume it, on this or another backend\./,
  );
  assert.ok(existsSync(join(p.runDir, 'last', 'checkpoint.json')));
  const resumed = await runTrainJob({ ...p, config: { ...p.config, backend: 'wasm' }, resume: true }, recorder().context);
  assert.equal(resumed.outcome, 'finished');
  assert.equal(resumed.epochs, 2);
  assert.equal(tf.getBackend(), 'wasm');
});

test('WebGPU out of memory at the first step fails the run with the largest batch that fits', async (t) => {
  if (skipped(t)) return;
  const p = await params('unet', { batchSize: 2 });
  const run = recorder();
  const emit = run.context.emit;
  // The device reports out-of-memory once the job has started the backend, before the first step.
  run.context.emit = (data) => {
    emit(data);
    if (data.kind === 'run-started') recordDeviceEvent({ error: { outOfMemory: true, message: 'Out of memory' } });
  };
  await assert.rejects(
    runTrainJob(p, run.context),
    /Batch 2 at 32x32 does not fit in GPU memory: The GPU ran out of memory \(Out of memory\)\. .*The run keeps its last checkpoint\.$/,
  );
  recordDeviceEvent(null);
});
