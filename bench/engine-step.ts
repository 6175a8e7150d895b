/**
 * Training step time of the reference U-Net of docs/engine-notes.md (depth 4, width 16, BN+ReLU,
 * Conv2DTranspose decoder, 6 classes) at 128x128, batch 4, Adam, per-pixel cross entropy, on the
 * wasm backend with SegBench's kernels, through the train job's own step code (ReplicaPool):
 * with one thread and with the batch split over the cores (compute workers). PyTorch trains the
 * same model on the same data shapes in the same run (bench/torch-step.py, with 1 and 2 threads)
 * when `python3 -c "import torch"` works; both medians and the ratio are printed. Without PyTorch
 * the ratio falls back to an anchor measured on another day, and says so. Then a per-kernel
 * profile of one single-thread step.
 * Run: node --import tsx bench/engine-step.ts [--size 128] [--steps 10] [--batch 4]
 *
 * On a GPU backend (--backend webgpu | tfjs-node-gpu | tfjs-node) it times the step at each of
 * --sizes (default 128,256,512) instead, with the adapter named (bench/gpu-step.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { crossEntropy } from '../src-main/engine/losses/losses';
import { ReplicaPool } from '../src-main/engine/workers/replica-pool';
import { trainingThreads } from '../src-main/engine/workers/threads';
import { referenceUnet } from './reference-unet';
import { pythonWith, useWasmEngine } from './support/engine';

const arg = (flag: string, fallback: number): number => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const size = arg('--size', 128);
const steps = arg('--steps', 10);
const batch = arg('--batch', 4);
/** PyTorch with two threads on these machines on 2026-12-01 (docs/engine-notes.md): only when PyTorch is missing. */
const anchorMs = 390;

/** PyTorch's median step with `threads` threads, measured now; null when python3 or torch is missing. */
function torchStep(threads: number): { median: number; parameters: number; version: string } | null {
  if (process.env.SEGBENCH_SKIP_TORCH) return null;
  const python = pythonWith('torch');
  if (!python) return null;
  const run = spawnSync(
    python,
    [join('bench', 'torch-step.py'), '--size', String(size), '--batch', String(batch), '--steps', String(steps), '--threads', String(threads)],
    { encoding: 'utf8', timeout: 600_000 },
  );
  if (run.status !== 0) {
    console.log(`PyTorch reference failed: ${run.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  const line = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { median_ms: number; parameters: number; torch: string };
  return { median: line.median_ms, parameters: line.parameters, version: line.torch };
}

async function main(): Promise<void> {
  const backendArg = process.argv.indexOf('--backend');
  const backend = backendArg > 0 ? process.argv[backendArg + 1] : 'wasm';
  if (backend !== 'wasm') {
    const sizesArg = process.argv.indexOf('--sizes');
    const sizes = (sizesArg > 0 ? process.argv[sizesArg + 1]! : '128,256,512').split(',').map(Number);
    const { gpuStepBench } = await import('./gpu-step');
    await gpuStepBench(backend as 'webgpu', sizes, batch, steps);
    return;
  }
  await useWasmEngine();
  const { model, variables, optimizer, images, labels, normalization, setup } = referenceUnet(size, batch);

  const timeSteps = async (replicas: ReplicaPool): Promise<{ median: number; min: number; tensors: [number, number] }> => {
    const step = async (): Promise<void> => {
      const { grads } = await replicas.gradients({ images, labels, size, normalization, soft: null });
      optimizer.apply(variables, grads, 1e-3);
      tf.dispose(Object.values(grads));
    };
    for (let i = 0; i < 2; i += 1) await step();
    const before = tf.memory().numTensors;
    const times: number[] = [];
    for (let i = 0; i < steps; i += 1) {
      const started = performance.now();
      await step();
      times.push(performance.now() - started);
    }
    const sorted = [...times].sort((a, b) => a - b);
    return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, tensors: [before, tf.memory().numTensors] };
  };

  console.log(`U-Net ${model.countParams().toLocaleString()} parameters, ${size}x${size}, batch ${batch}, wasm (SIMD), Adam, cross entropy`);
  const threads = trainingThreads(batch, 'wasm');
  const rows: [string, number][] = [];
  for (const t of [...new Set([1, threads])]) {
    const replicas = await ReplicaPool.create(model, setup, t, (reason) => console.log(reason));
    const { median, min, tensors } = await timeSteps(replicas);
    const workerTensors = await replicas.workerTensors();
    const used = replicas.threads;
    await replicas.stop();
    rows.push([`${used} thread${used > 1 ? 's (batch split over compute workers)' : ''}`, median]);
    console.log(
      `${rows.at(-1)![0]}: step median ${median.toFixed(0)} ms, min ${min.toFixed(0)} ms over ${steps} steps; tensors before/after ${tensors[0]} / ${tensors[1]}${workerTensors.length ? `, in the workers ${workerTensors.join(', ')}` : ''}`,
    );
  }
  const best = Math.min(...rows.map(([, ms]) => ms));
  const single = rows[0]![1];
  const torch1 = torchStep(1);
  const torch2 = torch1 ? torchStep(2) : null;
  if (torch1 && torch2) {
    console.log(
      `PyTorch ${torch1.version} in this run, same model (${torch1.parameters.toLocaleString()} parameters) and shapes: step median ${torch1.median.toFixed(0)} ms with 1 thread, ${torch2.median.toFixed(0)} ms with 2`,
    );
    console.log(
      `ratio SegBench / PyTorch: 1 thread ${(single / torch1.median).toFixed(2)}x; best of each ${(best / Math.min(torch1.median, torch2.median)).toFixed(2)}x (goal: at most 1.5x)`,
    );
  } else {
    console.log(
      `${process.env.SEGBENCH_SKIP_TORCH ? 'PyTorch skipped (SEGBENCH_SKIP_TORCH)' : 'PyTorch is not installed (apt-get install -y python3-torch)'}: ratio against an anchor from another day, ${anchorMs} ms with 2 threads: ${(best / anchorMs).toFixed(2)}x. Machines differ by 15% or more from day to day; install PyTorch for a same-run reference.`,
    );
  }

  const step = (): void => {
    const loss = tf.train
      .adam(1e-3)
      .minimize(
        () =>
          crossEntropy(
            model.apply(tf.randomNormal([batch, size, size, 3]), { training: true }) as tf.Tensor,
            tf.randomUniform([batch, size, size], 0, 6, 'int32'),
          ),
        true,
        variables,
      )!;
    loss.dataSync();
    loss.dispose();
  };
  const profile = await tf.profile(() => {
    step();
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const kernel of profile.kernels) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    total += ms;
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(kernel.name, entry);
  }
  console.log(
    `\nper-kernel profile of one single-thread step (${profile.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels; a kernel built from others, like the gradient convolutions, counts them again, and 'unnamed scope' is the fused batch norm):`,
  );
  for (const [name, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(process.env.TOP ?? 14))) {
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${String(calls).padStart(5)} calls`);
  }
}

void main();
