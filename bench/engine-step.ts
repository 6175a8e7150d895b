/**
 * Training step time of the reference U-Net of ENGINE_NOTES.md (depth 4, width 16, BN+ReLU,
 * Conv2DTranspose decoder, 6 classes) at 128x128, batch 4, Adam, per-pixel cross entropy, on the
 * wasm backend with SegBench's kernels, through the train job's own step code (GradientRunner):
 * with one thread and with the batch split over the cores (gradient workers). Printed next to
 * PyTorch's 333 ms on the same 2 cores, with a per-kernel profile of one single-thread step.
 * Run: node --import tsx bench/engine-step.ts [--size 128] [--steps 10] [--batch 4]
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installGradients } from '../src-main/engine/backend/gradients';
import { registerWasmKernels } from '../src-main/engine/backend/wasm-kernels';
import { crossEntropy } from '../src-main/engine/losses/losses';
import { GradientRunner, trainingThreads } from '../src-main/engine/train/gradient-lanes';
import { Optimizer } from '../src-main/engine/optim/optimizer';
import { createModel } from '../src-main/engine/models/registry';

const arg = (flag: string, fallback: number): number => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const size = arg('--size', 128);
const steps = arg('--steps', 10);
const batch = arg('--batch', 4);
const pytorchMs = 333;

async function main(): Promise<void> {
  setWasmPaths(join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  installGradients();
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmKernels();
  const modelOptions = { classes: 6, inputChannels: 3, inputSize: size, depth: 4, width: 16 };
  const model = createModel('unet', modelOptions);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = new Optimizer({ name: 'adam', weightDecay: 0, momentum: 0.9 });
  const pixels = size * size;
  const images = Array.from({ length: batch }, () => Uint8Array.from({ length: pixels * 3 }, () => Math.floor(Math.random() * 256)));
  const labels = Array.from({ length: batch }, () => Uint8Array.from({ length: pixels }, () => Math.floor(Math.random() * 6)));
  const normalization = { mean: [127.5, 127.5, 127.5] as [number, number, number], std: [64, 64, 64] as [number, number, number] };
  const setup = { model: 'unet', modelOptions, loss: 'ce' as const, lossOptions: {}, distill: null };

  const timeSteps = async (runner: GradientRunner): Promise<{ median: number; min: number; tensors: [number, number] }> => {
    const step = async (): Promise<void> => {
      const { grads } = await runner.gradients({ images, labels, size, normalization, soft: null });
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
    const runner = await GradientRunner.create(model, setup, t, (reason) => console.log(reason));
    const { median, min, tensors } = await timeSteps(runner);
    const laneTensors = await runner.laneTensors();
    const used = runner.threads;
    await runner.stop();
    rows.push([`${used} thread${used > 1 ? 's (batch split over gradient workers)' : ''}`, median]);
    console.log(`${rows.at(-1)![0]}: step median ${median.toFixed(0)} ms, min ${min.toFixed(0)} ms over ${steps} steps; tensors before/after ${tensors[0]} / ${tensors[1]}${laneTensors.length ? `, in the workers ${laneTensors.join(', ')}` : ''}`);
  }
  const best = Math.min(...rows.map(([, ms]) => ms));
  console.log(`PyTorch on the same 2 cores: ${pytorchMs} ms -> ratio ${(best / pytorchMs).toFixed(2)}x (goal: at most 2x)`);

  const step = (): void => {
    const loss = tf.train.adam(1e-3).minimize(() => crossEntropy(model.apply(tf.randomNormal([batch, size, size, 3]), { training: true }) as tf.Tensor, tf.randomUniform([batch, size, size], 0, 6, 'int32')), true, variables)!;
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
  console.log(`\nper-kernel profile of one single-thread step (${profile.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels; a kernel built from others, like the gradient convolutions, counts them again, and 'unnamed scope' is the fused batch norm):`);
  for (const [name, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(process.env.TOP ?? 14))) {
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${String(calls).padStart(5)} calls`);
  }
}

void main();
