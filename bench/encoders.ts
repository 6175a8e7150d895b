/**
 * Training step time and memory of the U-Net on each ResNet encoder (segmentation_models_pytorch's
 * U-Net: decoder 256-128-64-32-16) at 256 px, batch 2, Adam, per-pixel cross entropy, on the wasm
 * backend through the train job's own step code (ReplicaPool, the batch split over the cores), and
 * PyTorch's same model on the same shapes in the same run (bench/encoders-torch.py, as many threads)
 * when `python3 -c "import torch"` works. Prints medians, the ratio, parameters and memory: tfjs's
 * bytes in tensors after the steps and the process's peak resident memory (Node and Python alike).
 * Run: node --import tsx bench/encoders.ts [--encoders resnet18,resnet34,resnet50] [--size 256] [--batch 2] [--steps 5]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { encoderNames } from '../src-shared/encoders';
import type { EncoderName } from '../src-shared/encoders';
import { createModel } from '../src-main/engine/models/registry';
import { Optimizer } from '../src-main/engine/optim/optimizer';
import { ReplicaPool } from '../src-main/engine/workers/replica-pool';
import { trainingThreads } from '../src-main/engine/workers/threads';
import { pythonWith, useWasmEngine } from './support/engine';

const option = (flag: string, fallback: string): string => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const size = Number(option('--size', '256'));
const batch = Number(option('--batch', '2'));
const steps = Number(option('--steps', '5'));
const encoders = option('--encoders', encoderNames.join(',')).split(',') as EncoderName[];
const classes = 6;

interface TorchRow {
  encoder: string;
  parameters: number;
  median_ms: number;
  peak_rss_mib: number;
  torch: string;
}

/** PyTorch's rows for every encoder, measured now; null when python3 or torch is missing. */
function torchRows(threads: number): TorchRow[] | null {
  if (process.env.SEGBENCH_SKIP_TORCH) return null;
  const python = pythonWith('torch, torchvision');
  if (!python) return null;
  const run = spawnSync(
    python,
    [
      join('bench', 'encoders-torch.py'),
      '--encoders',
      encoders.join(','),
      '--size',
      String(size),
      '--batch',
      String(batch),
      '--steps',
      String(steps),
      '--threads',
      String(threads),
    ],
    {
      encoding: 'utf8',
      timeout: 1_800_000,
    },
  );
  if (run.status !== 0) {
    console.log(`PyTorch reference failed: ${run.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TorchRow);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  await useWasmEngine();
  const threads = trainingThreads(batch, 'wasm');
  console.log(
    `U-Net (segmentation_models_pytorch's) on ResNet encoders, ${size}x${size}, batch ${batch}, ${classes} classes, Adam, cross entropy; ${steps} timed steps after one warm-up`,
  );
  const pixels = size * size;
  const images = Array.from({ length: batch }, () => Uint8Array.from({ length: pixels * 3 }, () => Math.floor(Math.random() * 256)));
  const labels = Array.from({ length: batch }, () => Uint8Array.from({ length: pixels }, () => Math.floor(Math.random() * classes)));
  const normalization = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] };
  const ours = new Map<EncoderName, { median: number; parameters: number; tensorBytes: number; threads: number }>();
  for (const encoder of encoders) {
    const modelOptions = { classes, inputChannels: 3, inputSize: size, encoder };
    const model = createModel('unet', modelOptions, 1);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = new Optimizer({ name: 'adam', weightDecay: 0, momentum: 0.9 });
    const replicas = await ReplicaPool.create(model, { model: 'unet', modelOptions, loss: 'ce', lossOptions: {}, distill: null }, threads, (reason) =>
      console.log(reason),
    );
    const step = async (): Promise<void> => {
      const { grads } = await replicas.gradients({ images, labels, size, normalization, soft: null });
      optimizer.apply(variables, grads, 1e-3);
      tf.dispose(Object.values(grads));
    };
    await step();
    const times: number[] = [];
    for (let i = 0; i < steps; i += 1) {
      const started = performance.now();
      await step();
      times.push(performance.now() - started);
    }
    const trainable = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    ours.set(encoder, { median: median(times), parameters: trainable, tensorBytes: tf.memory().numBytes, threads: replicas.threads });
    console.log(
      `  ${encoder}: step median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}), ${trainable.toLocaleString()} trainable parameters, tfjs ${mib(tf.memory().numBytes)} in tensors (weights and Adam's moments), process peak ${mib(process.resourceUsage().maxRSS * 1024)}`,
    );
    await replicas.stop();
    optimizer.dispose();
    model.dispose();
  }
  const torch = torchRows(threads);
  if (!torch) {
    console.log(
      `${process.env.SEGBENCH_SKIP_TORCH ? 'PyTorch skipped (SEGBENCH_SKIP_TORCH)' : 'PyTorch is not installed (apt-get install -y python3-torch python3-torchvision)'}: no same-run reference.`,
    );
    return;
  }
  console.log(`\nPyTorch ${torch[0]?.torch} in this run, ${threads} threads, the same models and shapes:`);
  console.log(
    `  ${'encoder'.padEnd(9)} ${'SegBench ms'.padStart(11)} ${'PyTorch ms'.padStart(10)} ${'ratio'.padStart(6)}  parameters (SegBench / PyTorch)   PyTorch peak RSS`,
  );
  for (const row of torch) {
    const mine = ours.get(row.encoder as EncoderName)!;
    console.log(
      `  ${row.encoder.padEnd(9)} ${mine.median.toFixed(0).padStart(11)} ${row.median_ms.toFixed(0).padStart(10)} ${(mine.median / row.median_ms).toFixed(2).padStart(5)}x  ${mine.parameters.toLocaleString()} / ${row.parameters.toLocaleString()}${mine.parameters === row.parameters ? ' (equal)' : ' (DIFFER)'}   ${row.peak_rss_mib.toFixed(0)} MiB`,
    );
  }
}

void main();
