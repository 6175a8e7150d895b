/**
 * The floor under the engine-step goal: the 3x3 convolutions of the reference U-Net (128x128,
 * batch 4: each level's shapes), forward alone and forward plus both gradients, on the wasm
 * backend with SegBench's gradient kernels (XNNPACK through tfjs-backend-wasm), next to PyTorch's
 * own convolution on one thread in the same run (bench/torch-conv.py) when PyTorch is installed.
 * Convolutions and their gradients are about two thirds of a step, so their ratio bounds what any
 * change outside the kernels can give. Medians of --repeats; prints the ratio per shape and summed.
 * Run: node --import tsx bench/conv-floor.ts [--repeats 15]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { pythonWith, useWasmEngine } from './support/engine';

const repeatsArg = process.argv.indexOf('--repeats');
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 15;
const batch = 4;
/** size:in:out for the first conv of each level and the second (in = out), encoder and decoder alike. */
const shapes = ['128:3:16', '128:16:16', '64:32:32', '32:64:64', '16:128:128', '8:256:256', '128:32:16'];
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function torchTimes(): Map<string, { forward: number; train: number }> | null {
  const python = pythonWith('torch');
  if (!python) return null;
  const run = spawnSync(python, [join('bench', 'torch-conv.py'), '--batch', String(batch), '--repeats', String(repeats), '--shapes', shapes.join(',')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0) return null;
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { shape: string; forward_ms: number; train_ms: number });
  return new Map(lines.map((l) => [l.shape, { forward: l.forward_ms, train: l.train_ms }]));
}

async function main(): Promise<void> {
  await useWasmEngine();
  const ours = new Map<string, { forward: number; train: number }>();
  for (const spec of shapes) {
    const [size, cin, cout] = spec.split(':').map(Number) as [number, number, number];
    const x = tf.randomNormal([batch, size, size, cin]);
    const w = tf.variable(tf.mul(tf.randomNormal([3, 3, cin, cout]), 0.1));
    const g = tf.randomNormal([batch, size, size, cout]);
    const forward: number[] = [];
    const train: number[] = [];
    for (let r = 0; r < repeats + 2; r += 1) {
      let t = performance.now();
      // Read inside the tidy, not returned from it: tidy would walk a returned array element by element.
      tf.tidy(() => {
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync();
      });
      if (r >= 2) forward.push(performance.now() - t);
      t = performance.now();
      tf.tidy(() => {
        const grads = tf.grads((input: tf.Tensor, kernel: tf.Tensor) => tf.mul(tf.conv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same'), g))([x, w]);
        grads.forEach((d) => d.dataSync());
      });
      if (r >= 2) train.push(performance.now() - t);
    }
    ours.set(spec, { forward: median(forward), train: median(train) });
    tf.dispose([x, w, g]);
  }
  const torch = torchTimes();
  console.log(
    `3x3 convolutions of the reference U-Net at 128x128, batch ${batch}, one thread; medians of ${repeats}. "train" is forward plus input and weight gradients.`,
  );
  console.log(torch ? 'PyTorch measured in this run (bench/torch-conv.py).' : 'PyTorch is not installed: SegBench figures only.');
  let sums = { ours: 0, torch: 0 };
  let forwards = { ours: 0, torch: 0 };
  for (const spec of shapes) {
    const o = ours.get(spec)!;
    const t = torch?.get(spec);
    sums = { ours: sums.ours + o.train, torch: sums.torch + (t?.train ?? 0) };
    forwards = { ours: forwards.ours + o.forward, torch: forwards.torch + (t?.forward ?? 0) };
    const [size, cin, cout] = spec.split(':');
    const line = `  ${`${size}x${size}, ${cin} -> ${cout}`.padEnd(20)} forward ${o.forward.toFixed(1).padStart(6)} ms, train ${o.train.toFixed(1).padStart(6)} ms`;
    console.log(
      t
        ? `${line} | PyTorch forward ${t.forward.toFixed(1).padStart(6)} ms, train ${t.train.toFixed(1).padStart(6)} ms | ratio forward ${(o.forward / t.forward).toFixed(2)}x, train ${(o.train / t.train).toFixed(2)}x`
        : line,
    );
  }
  if (!torch) return;
  console.log(
    `summed over the shapes: forward SegBench ${forwards.ours.toFixed(0)} ms, PyTorch ${forwards.torch.toFixed(0)} ms, ratio ${(forwards.ours / forwards.torch).toFixed(2)}x; train SegBench ${sums.ours.toFixed(0)} ms, PyTorch ${sums.torch.toFixed(0)} ms, ratio ${(sums.ours / sums.torch).toFixed(2)}x`,
  );
  console.log("(train on tfjs also pays for tf.grads' tape and the multiply by the output gradient; forward alone is the kernel against the kernel)");
}

void main();
