import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runEvaluationJob } from '../../../src-main/engine/eval/evaluation-job';
import { runPredictJob } from '../../../src-main/engine/eval/predict-job';
import { saveCheckpoint } from '../../../src-main/engine/model-io/checkpoint';
import { createModel } from '../../../src-main/engine/models/registry';
import { Optimizer } from '../../../src-main/engine/optim/optimizer';
import type { JobContext } from '../../../src-main/engine/job-context';
import { runConfigSchema } from '../../../src-shared/run-config';
import { findPreset } from '../../../src-shared/classes';
import type { ModelRef } from '../../../src-shared/training';
import { randomArray, tf, wasmReady } from '../../helpers/tf';
import { tinySampleFolder } from '../../helpers/tiny-data';
import { tempDir } from '../../helpers/services';

before(wasmReady);
const threadsBefore = process.env.SEGBENCH_TRAIN_THREADS;
after(() => {
  if (threadsBefore === undefined) delete process.env.SEGBENCH_TRAIN_THREADS;
  else process.env.SEGBENCH_TRAIN_THREADS = threadsBefore;
  delete process.env.SEGBENCH_INFERENCE;
});

/** Runs `work` with inference on tfjs (the compute workers' path) or on ONNX Runtime (the CPU default). */
async function on<T>(runtime: 'tfjs' | 'ort', work: () => Promise<T>): Promise<T> {
  if (runtime === 'tfjs') process.env.SEGBENCH_INFERENCE = 'tfjs';
  else delete process.env.SEGBENCH_INFERENCE;
  try {
    return await work();
  } finally {
    delete process.env.SEGBENCH_INFERENCE;
  }
}

/** Pixels whose class differs between two count sets. */
const changed = (a: readonly { tp: number }[], b: readonly { tp: number }[]): number => a.reduce((n, c, i) => n + Math.abs(c.tp - b[i]!.tp), 0);

const classNames = findPreset('segbench-sample')!.classes.map((c) => c.name);

/** A run directory with a `best` checkpoint of random weights (batch-norm statistics included). */
async function randomRun(seed: number): Promise<ModelRef> {
  const runDir = tempDir('segbench-run-');
  const config = runConfigSchema.parse({
    datasetId: 'd',
    backend: 'wasm',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    validationOverlap: 0.25,
  });
  const model = createModel('unet', { classes: classNames.length, inputChannels: 3, inputSize: 32, depth: 2, width: 4 });
  model.setWeights(
    model.weights.map((w, i) => {
      const shape = w.shape as number[];
      const values = randomArray(
        shape.reduce((a, b) => a * b, 1),
        seed * 100 + i,
        0.5,
      );
      return tf.tensor(/moving_variance|gamma/.test(w.originalName) ? values.map((v) => 1 + Math.abs(v)) : values, shape);
    }),
  );
  const normalization = { mean: [120, 120, 120], std: [60, 60, 60] };
  await saveCheckpoint(join(runDir, 'best'), model, new Optimizer({ name: 'adam', weightDecay: 0, momentum: 0 }), {
    epoch: 1,
    globalStep: 2,
    bestMiou: null,
    bestEpoch: 1,
    plateau: { best: 0, stale: 0, reductions: 0 },
    lrScale: 1,
    rollbacks: 0,
    staleEpochs: 0,
    normalization,
    classNames,
    model: 'unet',
    inputSize: 32,
    savedAt: new Date(0).toISOString(),
  });
  model.dispose();
  return { runDir, checkpoint: 'best', config, classNames };
}

/** A job context that keeps the log and the last progress message. */
function recorder(): { context: JobContext; logs: string[]; progress: string[] } {
  const logs: string[] = [];
  const progress: string[] = [];
  const context: JobContext = {
    signal: new AbortController().signal,
    progress: (_d, _t, message) => progress.push(message),
    log: (_l, message) => logs.push(message),
    emit: () => {},
  };
  return { context, logs, progress };
}

/** The worker's share, from the job's closing progress message. */
const workerShare = (progress: string[]): number => Number(/, (\d+) of them by the workers$/.exec(progress.at(-1) ?? '')?.[1] ?? -1);

test("evaluate job over a compute worker: two runs, TTA and their ensemble give exactly one thread's counts, with a skipped image at the same place", async () => {
  const { dir, items, labelMap } = await tinySampleFolder(7, 44);
  writeFileSync(join(dir, 'images', 'broken.jpg'), 'not an image');
  const list = [...items.slice(0, 2), { imageId: 99, imagePath: join(dir, 'images', 'broken.jpg'), maskPath: items[0]!.maskPath }, ...items.slice(2)];
  const members = [
    { ...(await randomRun(1)), name: 'a' },
    { ...(await randomRun(2)), name: 'b' },
  ];
  const params = { members, labelMap, items: list, tta: { flips: true, scales: [1.25] } };
  const before = tf.memory().numTensors;

  process.env.SEGBENCH_TRAIN_THREADS = '1';
  const one = recorder();
  const serial = await on('tfjs', () => runEvaluationJob(params, one.context));
  process.env.SEGBENCH_TRAIN_THREADS = '2';
  const two = recorder();
  const parallel = await on('tfjs', () => runEvaluationJob(params, two.context));

  assert.match(two.progress[0]!, /on 2 threads/);
  assert.match(one.progress[0]!, /on 1 thread$/);
  const share = workerShare(two.progress);
  assert.deepEqual(two.logs, [], 'no worker lost');
  assert.ok(share >= 1 && share <= list.length - 1, `the worker evaluated ${share} of ${list.length}`);
  assert.equal(two.progress.at(-2), `evaluated ${list.length} of ${list.length} images`);
  assert.equal(one.progress.at(-1), `evaluated ${list.length} of ${list.length} images`);
  assert.deepEqual(parallel, serial);
  assert.deepEqual(
    serial.variants.map((v) => v.name),
    ['a', 'a + TTA', 'b', 'b + TTA', 'ensemble of 2', 'ensemble of 2 + TTA'],
  );
  assert.deepEqual(
    serial.skipped.map((s) => s.imageId),
    [99],
  );
  // Every labelled pixel of the 7 readable images is counted once per variant.
  const labelled = serial.variants[0]!.counts.reduce((n, c) => n + c.tp + c.fn, 0);
  assert.ok(labelled > 7 * 44 * 40, `${labelled} labelled pixels`);
  for (const v of serial.variants)
    assert.equal(
      v.counts.reduce((n, c) => n + c.tp + c.fn, 0),
      labelled,
      v.name,
    );
  assert.equal(tf.memory().numTensors, before);
});

test('predict job over a compute worker: the same files byte for byte, and the same confusion, confidence histogram and skips as one thread', async () => {
  const { dir, items, labelMap } = await tinySampleFolder(6, 44);
  writeFileSync(join(dir, 'images', 'broken.jpg'), 'not an image');
  const run = await randomRun(3);
  const images = [items[0]!.imagePath, join(dir, 'images', 'broken.jpg'), ...items.slice(1).map((i) => i.imagePath)];
  const masks = [items[0]!.maskPath, items[0]!.maskPath, ...items.slice(1).map((i) => i.maskPath)];
  // The last image's truth is unreadable: compared in neither, reported in both.
  masks[masks.length - 1] = join(dir, 'images', 'broken.jpg');
  const params = (outDir: string) => ({
    ...run,
    images,
    outDir,
    colors: ['#000000', '#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff'].slice(0, classNames.length),
    encoding: 'class-index' as const,
    tta: true,
    confidence: true,
    truth: { masks, labelMap },
  });
  process.env.SEGBENCH_TRAIN_THREADS = '1';
  const outOne = tempDir('segbench-pred-');
  const serial = await on('tfjs', () => runPredictJob(params(outOne), recorder().context));
  process.env.SEGBENCH_TRAIN_THREADS = '2';
  const outTwo = tempDir('segbench-pred-');
  const two = recorder();
  const parallel = await on('tfjs', () => runPredictJob(params(outTwo), two.context));

  const share = workerShare(two.progress);
  assert.deepEqual(two.logs, [], 'no worker lost');
  assert.ok(share >= 1 && share <= images.length - 1, `the worker predicted ${share} of ${images.length}`);
  assert.deepEqual(parallel, serial);
  assert.equal(serial.written, 6);
  assert.deepEqual(
    serial.skipped.map((s) => s.message.split(':')[0]),
    ['not a readable image', 'ground truth not compared'],
  );
  assert.equal(serial.images?.length, 5);
  assert.equal(serial.names?.length, 6);
  assert.equal(
    serial.histogram!.flat().reduce((a, b) => a + b, 0),
    6 * 44 * 44,
  );
  const files = readdirSync(outOne).sort();
  assert.equal(files.length, 18, files.join(', '));
  assert.deepEqual(readdirSync(outTwo).sort(), files);
  for (const file of files) assert.ok(readFileSync(join(outOne, file)).equals(readFileSync(join(outTwo, file))), file);
});

test("issue 29: evaluate and predict on ONNX Runtime give tfjs's counts, skips and files (a pixel may change class only where two classes tie)", async () => {
  const { dir, items, labelMap } = await tinySampleFolder(6, 48);
  writeFileSync(join(dir, 'images', 'broken.jpg'), 'not an image');
  const list = [...items.slice(0, 2), { imageId: 99, imagePath: join(dir, 'images', 'broken.jpg'), maskPath: items[0]!.maskPath }, ...items.slice(2)];
  const members = [
    { ...(await randomRun(4)), name: 'a' },
    { ...(await randomRun(5)), name: 'b' },
  ];
  const params = { members, labelMap, items: list, tta: { flips: true, scales: [1.25] } };
  const before = tf.memory().numTensors;
  process.env.SEGBENCH_TRAIN_THREADS = '2';
  const viaTfjs = await on('tfjs', () => runEvaluationJob(params, recorder().context));
  const ort = recorder();
  const viaOrt = await on('ort', () => runEvaluationJob(params, ort.context));
  assert.equal(ort.progress[0], `evaluating ${list.length} images on ONNX Runtime`);
  assert.deepEqual(ort.logs, []);
  assert.deepEqual(viaOrt.skipped, viaTfjs.skipped);
  assert.deepEqual(
    viaOrt.variants.map((v) => v.name),
    viaTfjs.variants.map((v) => v.name),
  );
  const labelled = viaTfjs.variants[0]!.counts.reduce((n, c) => n + c.tp + c.fn, 0);
  // At most 1 pixel in 1,000 may change class: these random models' class probabilities sit close
  // together (an ensemble's averages closer still: 5 of 13,824 measured), and ORT's logits differ
  // from tfjs's by about 1e-6, which moves only near-ties.
  viaOrt.variants.forEach((v, i) =>
    assert.ok(changed(v.counts, viaTfjs.variants[i]!.counts) <= labelled / 1000, `${v.name}: ${changed(v.counts, viaTfjs.variants[i]!.counts)} of ${labelled}`),
  );

  const run = members[0]!;
  const predictParams = (outDir: string) => ({
    ...run,
    images: items.map((i) => i.imagePath),
    outDir,
    colors: ['#000000', '#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff'],
    encoding: 'class-index' as const,
    tta: false,
    confidence: true,
  });
  const outTfjs = tempDir('segbench-pred-');
  const outOrt = tempDir('segbench-pred-');
  const predictedTfjs = await on('tfjs', () => runPredictJob(predictParams(outTfjs), recorder().context));
  const predictedOrt = await on('ort', () => runPredictJob(predictParams(outOrt), recorder().context));
  assert.equal(predictedOrt.written, items.length);
  assert.deepEqual(readdirSync(outOrt).sort(), readdirSync(outTfjs).sort());
  const histogram = (h: number[][]) => h.map((row) => row.reduce((a, b) => a + b, 0));
  const moved = histogram(predictedOrt.histogram!).reduce((n, count, c) => n + Math.abs(count - histogram(predictedTfjs.histogram!)[c]!), 0);
  assert.ok(moved <= (items.length * 48 * 48) / 1000, `${moved} pixels changed class`);
  assert.equal(tf.memory().numTensors, before);
});
