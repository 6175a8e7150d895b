/**
 * Validation throughput: the full-image sliding-window validation of a training epoch on
 * dubai-aerial's validation tiles (tiles 7 and 8: --images of the 18, about 1800x2060 and
 * 2150x1480 px, about 110 windows each at 256 px), on the wasm
 * backend, with one thread (the engine's, as before) and shared with compute workers (the same
 * weights sent once). The reference is the single-thread pass in the same run; the counts of both
 * are compared exactly. Medians of --repeats passes; prints the ratio (goal: at least 1.7x on 2
 * cores); then the same pass on ONNX Runtime (the model exported, as training's validation
 * now does on the CPU), timed with its export, and how many pixels changed class. Run: node --import tsx bench/validation.ts [--images 2] [--overlap 0] [--size 256] [--repeats 3] [--threads N]
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { findPreset, hexToValue } from '../src-shared/classes';
import { validate } from '../src-main/engine/eval/validate';
import { ortPredictor } from '../src-main/engine/onnx/ort-predictor';
import { createModel } from '../src-main/engine/models/registry';
import { ReplicaPool } from '../src-main/engine/workers/replica-pool';
import { selectBackend } from '../src-main/engine/backend/select';

const arg = (flag: string, fallback: number): number => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const size = arg('--size', 256);
const repeats = arg('--repeats', 3);
const threads = arg('--threads', Math.min(cpus().length, 4));
/** Images of tiles 7-8 taken, alternating between the tiles (about 110 windows each at 256 px). */
const imageCount = arg('--images', 2);
const overlap = arg('--overlap', 0);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  await selectBackend('wasm');
  const dir = join('..', 'shared', 'data', 'dubai-aerial');
  const all = readdirSync(join(dir, 'images'))
    .filter((name) => /^tile[78]_/.test(name))
    .map((name) => name.replace(/\.jpg$/, ''))
    .sort();
  const seven = all.filter((s) => s.startsWith('tile7'));
  const eight = all.filter((s) => s.startsWith('tile8'));
  const stems = Array.from({ length: Math.min(imageCount, all.length) }, (_, i) => (i % 2 === 0 ? seven[i >> 1] : eight[i >> 1]) ?? all[i]!);
  const items = stems.map((stem, i) => ({ imageId: i + 1, imagePath: join(dir, 'images', `${stem}.jpg`), maskPath: join(dir, 'masks', `${stem}.png`) }));
  const preset = findPreset('dubai-aerial')!;
  const labelMap = new Map(preset.classes.map((c, label) => [hexToValue(c.color), label] as [number, number]));
  const modelOptions = { classes: preset.classes.length, inputChannels: 3, inputSize: size, depth: 4, width: 16 };
  const model = createModel('unet', modelOptions);
  const options = {
    size,
    overlap,
    normalization: { mean: [120, 120, 120] as [number, number, number], std: [60, 60, 60] as [number, number, number] },
    batchSize: 4,
    classes: preset.classes.length,
  };
  const signal = new AbortController().signal;
  console.log(
    `Validation of ${items.length} dubai-aerial images of tiles 7-8, reference U-Net (${model.countParams().toLocaleString()} parameters) at ${size}x${size} windows, overlap ${overlap}, batch 4, wasm`,
  );

  const serialTimes: number[] = [];
  let serial = null;
  for (let r = 0; r < repeats; r += 1) {
    const started = performance.now();
    serial = await validate(model, items, labelMap, { ...options, signal });
    serialTimes.push(performance.now() - started);
  }
  const replicas = await ReplicaPool.create(model, { model: 'unet', modelOptions, loss: 'ce', lossOptions: {}, distill: null }, threads, (m) => console.log(m));
  const sharedTimes: number[] = [];
  let identical = true;
  for (let r = 0; r < repeats; r += 1) {
    const started = performance.now();
    const helpers = await replicas.validationHelpers(labelMap, options);
    const shared = await validate(model, items, labelMap, { ...options, signal }, () => {}, helpers);
    sharedTimes.push(performance.now() - started);
    identical &&= JSON.stringify(shared) === JSON.stringify(serial);
  }
  const used = replicas.threads;
  await replicas.stop();
  const one = median(serialTimes);
  const many = median(sharedTimes);
  console.log(`1 thread (before): median ${(one / 1000).toFixed(1)} s over ${repeats} passes, ${((items.length * 1000) / one).toFixed(2)} images/s`);
  console.log(
    `${used} threads (engine + ${used - 1} compute worker${used > 2 ? 's' : ''}, weights sent once per pass): median ${(many / 1000).toFixed(1)} s, ${((items.length * 1000) / many).toFixed(2)} images/s`,
  );
  console.log(
    `speed-up ${(one / many).toFixed(2)}x (goal: at least 1.7x on 2 cores); counts, per-image counts and loss identical to one thread: ${identical ? 'yes' : 'NO'}`,
  );
  // ONNX Runtime, as validation inside training now runs on the CPU: the export timed with the pass.
  const ortTimes: number[] = [];
  let changed = 0;
  for (let r = 0; r < repeats; r += 1) {
    const started = performance.now();
    const ort = await ortPredictor(model, threads);
    if (!ort.predictor) {
      console.log(`ONNX Runtime: not available (${ort.reason})`);
      break;
    }
    const onOrt = await validate(ort.predictor, items, labelMap, { ...options, signal });
    ortTimes.push(performance.now() - started);
    await ort.release();
    changed = onOrt.counts.reduce((n, c, i) => n + Math.abs(c.tp - serial!.counts[i]!.tp), 0);
  }
  if (ortTimes.length > 0) {
    const onOrt = median(ortTimes);
    const pixels = serial!.counts.reduce((n, c) => n + c.tp + c.fn, 0);
    console.log(
      `ONNX Runtime CPU, ${threads} intra-op threads (export included): median ${(onOrt / 1000).toFixed(1)} s, ${((items.length * 1000) / onOrt).toFixed(2)} images/s, ${(one / onOrt).toFixed(2)}x one tfjs thread, ${(many / onOrt).toFixed(2)}x the shared tfjs pass; ${changed} of ${pixels.toLocaleString()} pixels changed class`,
    );
  }
  model.dispose();
  tf.disposeVariables();
}

void main();
