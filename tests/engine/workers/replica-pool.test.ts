import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createModel } from '../../../src-main/engine/models/registry';
import { ReplicaPool, splitBatch } from '../../../src-main/engine/workers/replica-pool';
import type { BatchInput, StepGradients } from '../../../src-main/engine/workers/replica-pool';
import { threadsSettingProblem, trainingThreads } from '../../../src-main/engine/workers/threads';
import type { WorkerSetup } from '../../../src-main/engine/workers/worker-protocol';
import { mulberry32 } from '../../../src-shared/random';
import { relativeError, tf, wasmReady } from '../../helpers/tf';

const size = 32;
const modelOptions = { classes: 4, inputChannels: 3, inputSize: size, depth: 2, width: 4 };
const setup: WorkerSetup = { model: 'unet', modelOptions, loss: 'ce', lossOptions: { classWeights: [0.5, 1, 2, 1.5] }, distill: null };
let model: ReturnType<typeof createModel>;
const pools: ReplicaPool[] = [];
before(async () => {
  await wasmReady();
  model = createModel('unet', modelOptions);
});
after(async () => {
  await Promise.all(pools.map((p) => p.stop()));
  model.dispose();
});

function batch(n: number, seed: number, soft = false): BatchInput {
  const random = mulberry32(seed);
  const images = Array.from({ length: n }, () => Uint8Array.from({ length: size * size * 3 }, () => Math.floor(random() * 256)));
  // Some ignored pixels (255), so the parts have different numbers of valid pixels.
  const labels = Array.from({ length: n }, () => Uint8Array.from({ length: size * size }, () => (random() < 0.1 ? 255 : Math.floor(random() * 4))));
  const normalization = { mean: [120, 110, 100] as [number, number, number], std: [50, 60, 70] as [number, number, number] };
  const softTargets = soft ? tf.softmax(tf.randomNormal([n, size, size, 4], 0, 2, 'float32', seed)) : null;
  return { images, labels, size, normalization, soft: softTargets };
}

async function start(threads: number, workerSetup: WorkerSetup = setup, lost: string[] = []): Promise<ReplicaPool> {
  const pool = await ReplicaPool.create(model, workerSetup, threads, (m) => lost.push(m));
  pools.push(pool);
  return pool;
}

/** The expected result: each part on the engine's thread alone, averaged by the images in each part. */
async function reference(single: ReplicaPool, input: BatchInput, sizes: number[]): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const n = sizes.reduce((a, b) => a + b, 0);
  let loss = 0;
  const grads = new Map<string, Float32Array>();
  let start = 0;
  for (const count of sizes) {
    const soft = input.soft ? tf.slice(input.soft, [start, 0, 0, 0], [count, -1, -1, -1]) : null;
    const part: StepGradients = await single.gradients({
      ...input,
      images: input.images.slice(start, start + count),
      labels: input.labels.slice(start, start + count),
      soft,
    });
    soft?.dispose();
    loss += (part.loss * count) / n;
    for (const [name, g] of Object.entries(part.grads)) {
      const values = g.dataSync() as Float32Array;
      const sum = grads.get(name) ?? new Float32Array(values.length);
      values.forEach((v, i) => (sum[i]! += (v * count) / n));
      grads.set(name, sum);
    }
    tf.dispose(Object.values(part.grads));
    start += count;
  }
  return { loss, grads };
}

function assertSame(actual: StepGradients, expected: { loss: number; grads: Map<string, Float32Array> }, what: string): void {
  assert.ok(Math.abs(actual.loss - expected.loss) < 1e-5 * Math.max(1, expected.loss), `${what}: loss ${actual.loss} vs ${expected.loss}`);
  assert.deepEqual(Object.keys(actual.grads).sort(), [...expected.grads.keys()].sort());
  for (const [name, g] of Object.entries(actual.grads)) {
    const error = relativeError(g.dataSync() as Float32Array, expected.grads.get(name)!);
    assert.ok(error < 1e-4, `${what}: gradient of ${name}, relative error ${error}`);
  }
}

test('batch split: parts as even as possible; threads from the cores or SEGBENCH_TRAIN_THREADS, at least 2 images each, wasm only', () => {
  assert.deepEqual(splitBatch(4, 2), [2, 2]);
  assert.deepEqual(splitBatch(5, 2), [3, 2]);
  assert.deepEqual(splitBatch(7, 3), [3, 2, 2]);
  assert.deepEqual(splitBatch(1, 2), [1]);
  assert.deepEqual(splitBatch(3, 1), [3]);
  assert.equal(trainingThreads(4, 'wasm', { SEGBENCH_TRAIN_THREADS: '2' }), 2);
  assert.equal(trainingThreads(4, 'wasm', { SEGBENCH_TRAIN_THREADS: '8' }), 2, 'batch 4: two images per thread');
  assert.equal(trainingThreads(16, 'wasm', { SEGBENCH_TRAIN_THREADS: '8' }), 4, 'at most 4');
  assert.equal(trainingThreads(3, 'wasm', { SEGBENCH_TRAIN_THREADS: '2' }), 1);
  assert.equal(trainingThreads(8, 'wasm', { SEGBENCH_TRAIN_THREADS: '1' }), 1);
  assert.equal(trainingThreads(8, 'tfjs-node-gpu', { SEGBENCH_TRAIN_THREADS: '4' }), 1);
  // A value that is not a thread count: the cores are used, and the run is told what is valid.
  const cores = trainingThreads(8, 'wasm', {});
  for (const bad of ['two', '0', '1.5', '-3']) {
    assert.equal(trainingThreads(8, 'wasm', { SEGBENCH_TRAIN_THREADS: bad }), cores);
    assert.match(
      threadsSettingProblem({ SEGBENCH_TRAIN_THREADS: bad }) ?? '',
      new RegExp(`SEGBENCH_TRAIN_THREADS="${bad}" is not a thread count \\(valid: a whole number from 1`),
    );
  }
  assert.equal(threadsSettingProblem({ SEGBENCH_TRAIN_THREADS: '3' }), null);
  assert.equal(threadsSettingProblem({}), null);
});

test('two threads give the gradients and loss of each half done alone, averaged by images; tensors stay flat in both', async () => {
  const single = await start(1);
  const split = await start(2);
  assert.equal(split.threads, 2);
  for (const [seed, n] of [
    [1, 4],
    [2, 5],
  ] as const) {
    const input = batch(n, seed);
    const expected = await reference(single, input, splitBatch(n, 2));
    const before = tf.memory().numTensors;
    const actual = await split.gradients(input);
    assertSame(actual, expected, `batch ${n}`);
    tf.dispose(Object.values(actual.grads));
    assert.equal(tf.memory().numTensors, before, 'no tensor left on the engine thread');
  }
  const workerTensors = await split.workerTensors();
  for (let i = 0; i < 3; i += 1) {
    const { grads } = await split.gradients(batch(4, 10 + i));
    tf.dispose(Object.values(grads));
  }
  assert.deepEqual(await split.workerTensors(), workerTensors, 'the worker holds as many tensors after three more steps');
});

test('distillation soft targets reach the worker: the same as each half alone', async () => {
  const kd: WorkerSetup = { ...setup, lossOptions: {}, distill: { alpha: 0.7, temperature: 2 } };
  const single = await ReplicaPool.create(model, kd, 1, () => {});
  const split = await start(2, kd);
  const input = batch(4, 7, true);
  const expected = await reference(single, input, [2, 2]);
  const actual = await split.gradients(input);
  assertSame(actual, expected, 'with a teacher');
  tf.dispose([...Object.values(actual.grads), input.soft!]);
});

test('a worker that dies mid-run: its images are done on the engine thread, the step is whole, training goes on with one thread', async () => {
  const lost: string[] = [];
  const single = await start(1);
  const split = await start(2, setup, lost);
  const input = batch(4, 21);
  const expected = await reference(single, input, [2, 2]);
  // Kill the worker the way a crash would: its thread ends with no reply.
  await (split as unknown as { workers: { stop(): Promise<void> }[] }).workers[0]!.stop();
  const actual = await split.gradients(input);
  assertSame(actual, expected, 'after the worker died');
  tf.dispose(Object.values(actual.grads));
  assert.equal(split.threads, 1);
  assert.equal(lost.length, 1);
  assert.match(lost[0]!, /compute worker failed .*training goes on with 1 thread/);
});
