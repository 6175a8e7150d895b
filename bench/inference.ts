/**
 * Throughput of the inference jobs that users wait on after training: `predict` (a folder of
 * images through a run's checkpoint, files written) and `evaluate` (a run plain and with flip TTA,
 * counts per class), on dubai-aerial tiles, wasm backend. Each job runs with one thread (as before:
 * SEGBENCH_TRAIN_THREADS=1) and with the cores (compute workers that load the same checkpoint),
 * in the same run; the reference is the single-thread pass. Prints medians of --repeats passes,
 * the ratio, and whether the results (and the written files, byte for byte) equal one thread's.
 * Run: node --import tsx bench/inference.ts [--images 4] [--size 256] [--repeats 3]
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { findPreset, hexToValue } from '../src-shared/classes';
import { runConfigSchema } from '../src-shared/run-config';
import type { ModelRef } from '../src-shared/training';
import { runEvaluationJob } from '../src-main/engine/eval/evaluation-job';
import { runPredictJob } from '../src-main/engine/eval/predict-job';
import type { JobContext } from '../src-main/engine/job-context';
import { saveCheckpoint } from '../src-main/engine/model-io/checkpoint';
import { createModel } from '../src-main/engine/models/registry';
import { Optimizer } from '../src-main/engine/optim/optimizer';
import { selectBackend } from '../src-main/engine/backend/select';

const arg = (flag: string, fallback: number): number => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const size = arg('--size', 256);
const repeats = arg('--repeats', 3);
const imageCount = arg('--images', 4);
const cores = Math.min(cpus().length, 4);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  await selectBackend('wasm');
  const dir = join('..', 'shared', 'data', 'dubai-aerial');
  const stems = readdirSync(join(dir, 'images'))
    .filter((n) => /^tile[12]_/.test(n))
    .map((n) => n.replace(/\.jpg$/, ''))
    .sort()
    .slice(0, imageCount);
  const items = stems.map((stem, i) => ({ imageId: i + 1, imagePath: join(dir, 'images', `${stem}.jpg`), maskPath: join(dir, 'masks', `${stem}.png`) }));
  const preset = findPreset('dubai-aerial')!;
  const classNames = preset.classes.map((c) => c.name);
  const labelMap = preset.classes.map((c, label) => [hexToValue(c.color), label] as [number, number]);
  const work = mkdtempSync(join(tmpdir(), 'segbench-bench-'));
  const config = runConfigSchema.parse({
    datasetId: 'dubai',
    backend: 'wasm',
    modelOptions: { depth: 4, width: 16 },
    inputSize: size,
    batchSize: 4,
    validationOverlap: 0,
  });
  const model = createModel('unet', { classes: classNames.length, inputChannels: 3, inputSize: size, depth: 4, width: 16 });
  const parameters = model.countParams();
  await saveCheckpoint(join(work, 'run', 'best'), model, new Optimizer({ name: 'adam', weightDecay: 0, momentum: 0 }), {
    epoch: 1,
    globalStep: 1,
    bestMiou: null,
    bestEpoch: 1,
    plateau: { best: 0, stale: 0, reductions: 0 },
    lrScale: 1,
    rollbacks: 0,
    staleEpochs: 0,
    normalization: { mean: [120, 120, 120], std: [60, 60, 60] },
    classNames,
    model: 'unet',
    inputSize: size,
    savedAt: new Date().toISOString(),
  });
  model.dispose();
  const run: ModelRef = { runDir: join(work, 'run'), checkpoint: 'best', config, classNames };
  const context: JobContext = { signal: new AbortController().signal, progress: () => {}, log: () => {}, emit: () => {} };
  console.log(
    `${items.length} dubai-aerial images (tiles 1-2), reference U-Net (${parameters.toLocaleString()} parameters), ${size}x${size} windows, overlap 0, batch 4, wasm, ${cores} cores`,
  );

  const timed = async <T>(threads: number, job: (pass: number) => Promise<T>): Promise<{ ms: number; results: T[] }> => {
    process.env.SEGBENCH_TRAIN_THREADS = String(threads);
    const times: number[] = [];
    const results: T[] = [];
    for (let r = 0; r < repeats; r += 1) {
      const started = performance.now();
      results.push(await job(r));
      times.push(performance.now() - started);
    }
    return { ms: median(times), results };
  };
  const report = (name: string, one: number, many: number, identical: boolean): void => {
    console.log(
      `${name}: 1 thread (before) median ${(one / 1000).toFixed(1)} s (${((items.length * 1000) / one).toFixed(2)} images/s); ${cores} threads median ${(many / 1000).toFixed(1)} s (${((items.length * 1000) / many).toFixed(2)} images/s); speed-up ${(one / many).toFixed(2)}x; identical to one thread: ${identical ? 'yes' : 'NO'}`,
    );
  };

  const predict = (threads: number) => (pass: number) =>
    runPredictJob(
      {
        ...run,
        images: items.map((i) => i.imagePath),
        outDir: join(work, `predict-${threads}-${pass}`),
        colors: preset.classes.map((c) => c.color),
        encoding: 'class-index',
        confidence: true,
        truth: { masks: items.map((i) => i.maskPath), labelMap },
      },
      context,
    );
  const p1 = await timed(1, predict(1));
  const pN = await timed(cores, predict(cores));
  const files = readdirSync(join(work, 'predict-1-0')).sort();
  const sameFiles = files.every((f) => readFileSync(join(work, 'predict-1-0', f)).equals(readFileSync(join(work, `predict-${cores}-0`, f))));
  report(
    'predict (index, colour and confidence PNGs, compared with the masks)',
    p1.ms,
    pN.ms,
    sameFiles && JSON.stringify(p1.results[0]) === JSON.stringify(pN.results[0]),
  );

  const evaluate = () => runEvaluationJob({ members: [{ ...run, name: 'run' }], labelMap, items, tta: { flips: true, scales: [] } }, context);
  const e1 = await timed(1, evaluate);
  const eN = await timed(cores, evaluate);
  report('evaluate (plain and with flip TTA: 4 predictions an image)', e1.ms, eN.ms, JSON.stringify(e1.results[0]) === JSON.stringify(eN.results[0]));
  rmSync(work, { recursive: true, force: true });
  tf.disposeVariables();
}

void main();
