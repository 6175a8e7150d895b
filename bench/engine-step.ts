/**
 * Training step time of the reference U-Net of ENGINE_NOTES.md (depth 4, width 16, BN+ReLU,
 * Conv2DTranspose decoder, 6 classes) at 128x128, batch 4, Adam, per-pixel cross entropy, on the
 * wasm backend with SegBench's kernels; printed next to PyTorch's 333 ms on the same 2 cores, with
 * a per-kernel profile of one step. Run: node --import tsx bench/engine-step.ts [--size 128] [--steps 10]
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installGradients } from '../src-main/engine/backend/gradients';
import { registerWasmKernels } from '../src-main/engine/backend/wasm-kernels';
import { crossEntropy } from '../src-main/engine/losses/losses';
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
  const model = createModel('unet', { classes: 6, inputChannels: 3, inputSize: size, depth: 4, width: 16 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, size, size, 3]);
  const y = tf.randomUniform([batch, size, size], 0, 6, 'int32');
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = (): number => {
    const loss = optimizer.minimize(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y), true, weights)!;
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
  for (let i = 0; i < 2; i += 1) step();
  const tensorsBefore = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < steps; i += 1) {
    const started = performance.now();
    step();
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`U-Net ${model.countParams().toLocaleString()} parameters, ${size}x${size}, batch ${batch}, wasm (SIMD, 1 thread)`);
  console.log(`step time: median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms over ${steps} steps`);
  console.log(`PyTorch on the same 2 cores: ${pytorchMs} ms -> ratio ${(median / pytorchMs).toFixed(2)}x (goal: at most 2x)`);
  console.log(`tensors before/after the timed steps: ${tensorsBefore} / ${tf.memory().numTensors}`);

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
  console.log(`\nper-kernel profile of one step (${profile.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels):`);
  for (const [name, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${String(calls).padStart(5)} calls`);
  }
}

void main();
