/**
 * Inference runtimes side by side (issue 29): sliding-window inference of the reference U-Net
 * (depth 4, width 16, 6 classes) over dubai-aerial validation tiles, all in one run:
 * - tfjs wasm with SegBench's kernels, one thread (the engine's path for every inference job today);
 * - ONNX Runtime CPU on the same model, exported by src-main/engine/export/onnx-export.ts, with 1
 *   and 2 intra-op threads;
 * - PyTorch 1.13 with 1 and 2 threads (bench/inference-torch.py), when python3-torch is installed.
 * Windows of --size with no overlap, the last one flush with the far edge, --batch at a time; the
 * figure is the forward passes (with normalisation and argmax), images and windows per second.
 * Before timing, ORT's logits are checked against tfjs's on one batch (max abs difference).
 * Run: node --import tsx bench/inference-runtimes.ts [--images 6] [--size 256] [--batch 4] [--repeats 3]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage } from '../src-main/engine/data/decode';
import { windowStarts } from '../src-main/engine/eval/sliding-window';
import { exportOnnx } from '../src-main/engine/export/onnx-export';
import { createModel } from '../src-main/engine/models/registry';
import { createOrtSession, releaseOrtSession, runOrt } from '../src-main/engine/onnx/ort-session';
import { pythonWith, useWasmEngine } from './support/engine';

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const imageCount = flag('--images', 6);
const size = flag('--size', 256);
const batch = flag('--batch', 4);
const repeats = flag('--repeats', 3);
const dubai = join('..', 'shared', 'data', 'dubai-aerial', 'images');
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Image {
  path: string;
  data: Float32Array;
  width: number;
  height: number;
}

/** Every window of every image as NHWC float batches of `batch`. */
function batches(images: readonly Image[]): { data: Float32Array; count: number }[] {
  const out: { data: Float32Array; count: number }[] = [];
  let current: Float32Array[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    const data = new Float32Array(current.length * size * size * 3);
    current.forEach((w, i) => data.set(w, i * size * size * 3));
    out.push({ data, count: current.length });
    current = [];
  };
  for (const image of images) {
    for (const y of windowStarts(image.height, size, 0)) {
      for (const x of windowStarts(image.width, size, 0)) {
        const window = new Float32Array(size * size * 3);
        for (let r = 0; r < size; r += 1) {
          const row = Math.min(image.height - 1, y + r);
          window.set(image.data.subarray((row * image.width + x) * 3, (row * image.width + Math.min(image.width, x + size)) * 3), r * size * 3);
        }
        current.push(window);
        if (current.length === batch) flush();
      }
    }
    flush();
  }
  return out;
}

async function time(run: () => Promise<void>): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const started = performance.now();
    await run();
    seconds.push((performance.now() - started) / 1000);
  }
  return median(seconds);
}

function argmax(logits: Float32Array, classes: number): Uint8Array {
  const out = new Uint8Array(logits.length / classes);
  for (let p = 0; p < out.length; p += 1) {
    let best = 0;
    for (let c = 1; c < classes; c += 1) if (logits[p * classes + c]! > logits[p * classes + best]!) best = c;
    out[p] = best;
  }
  return out;
}

async function main(): Promise<void> {
  if (!existsSync(dubai)) throw new Error(`No dubai-aerial at ${dubai}: this bench needs the full set beside the repository.`);
  await useWasmEngine();
  const paths = readdirSync(dubai)
    .filter((name) => /^tile[78]_/.test(name))
    .sort()
    .slice(0, imageCount)
    .map((name) => join(dubai, name));
  const images: Image[] = [];
  for (const path of paths) {
    const decoded = await decodeImage(path);
    const pixels = decoded.data as Uint8Array;
    const mean = [0, 0, 0];
    const squares = [0, 0, 0];
    for (let i = 0; i < pixels.length; i += 1) {
      mean[i % 3]! += pixels[i]!;
      squares[i % 3]! += pixels[i]! ** 2;
    }
    const n = pixels.length / 3;
    const std = mean.map((s, c) => Math.sqrt(squares[c]! / n - (s / n) ** 2));
    const data = Float32Array.from(pixels, (v, i) => (v - mean[i % 3]! / n) / std[i % 3]!);
    images.push({ path, data, width: decoded.width, height: decoded.height });
  }
  const work = batches(images);
  const windows = work.reduce((n, b) => n + b.count, 0);
  console.log(
    `Reference U-Net (depth 4, width 16, 6 classes), ${images.length} dubai-aerial validation tiles (${images.map((i) => `${i.width}x${i.height}`).join(', ')}): ${windows} windows of ${size} px, batch ${batch}; medians of ${repeats}`,
  );
  const model = createModel('unet', { classes: 6, inputChannels: 3, inputSize: size, depth: 4, width: 16 }, 1);
  const rows: { name: string; seconds: number }[] = [];

  const tfjs = async (): Promise<void> => {
    for (const b of work) {
      const labels = tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(b.data, [b.count, size, size, 3])) as tf.Tensor, -1));
      await labels.data();
      labels.dispose();
    }
  };
  rows.push({ name: 'tfjs wasm, SegBench kernels, 1 thread', seconds: await time(tfjs) });

  const onnx = exportOnnx(model, { model: 'unet', classes: 6 });
  const first = work[0]!;
  const reference = tf.tidy(() => (model.predict(tf.tensor4d(first.data, [first.count, size, size, 3])) as tf.Tensor).dataSync() as Float32Array);
  for (const threads of [1, 2]) {
    const made = await createOrtSession(onnx, { intraOpThreads: threads });
    if (!made.session) {
      console.log(`ONNX Runtime: ${made.reason}`);
      break;
    }
    const session = made.session;
    if (threads === 1) {
      const { logits } = await runOrt(session, first.data, [first.count, size, size, 3]);
      let diff = 0;
      for (let i = 0; i < logits.length; i += 1) diff = Math.max(diff, Math.abs(logits[i]! - reference[i]!));
      const a = argmax(logits, 6);
      const b = argmax(reference, 6);
      const agree = a.filter((v, i) => v === b[i]).length / a.length;
      console.log(
        `ORT against tfjs on the first batch: max |logit difference| ${diff.toExponential(1)}, argmax agrees on ${(100 * agree).toFixed(3)}% of pixels`,
      );
    }
    const ort = async (): Promise<void> => {
      for (const b of work) {
        const { logits } = await runOrt(session, b.data, [b.count, size, size, 3]);
        argmax(logits, 6);
      }
    };
    rows.push({ name: `ONNX Runtime CPU, ${threads} thread${threads === 1 ? '' : 's'}`, seconds: await time(ort) });
    await releaseOrtSession(session);
  }

  const python = pythonWith('torch');
  if (python) {
    const runs: { threads: number; seconds: number }[][] = [];
    for (let i = 0; i < repeats; i += 1) {
      const run = spawnSync(python, [join('bench', 'inference-torch.py'), '--size', String(size), '--batch', String(batch), '--threads', '1,2', ...paths], {
        encoding: 'utf8',
        timeout: 1_800_000,
      });
      if (run.status !== 0) throw new Error(`inference-torch.py failed: ${run.stderr.slice(-1000)}`);
      runs.push(
        run.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { threads: number; seconds: number }),
      );
    }
    for (const threads of [1, 2]) {
      rows.push({
        name: `PyTorch ${spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim()}, ${threads} thread${threads === 1 ? '' : 's'}`,
        seconds: median(runs.map((r) => r.find((x) => x.threads === threads)!.seconds)),
      });
    }
  } else {
    console.log('PyTorch is not importable: apt-get install -y python3-torch for the reference.');
  }
  const wasm = rows[0]!.seconds;
  console.log(`\n${'runtime'.padEnd(44)}${'seconds'.padStart(9)}${'images/s'.padStart(10)}${'windows/s'.padStart(11)}${'x wasm'.padStart(8)}`);
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(44)}${row.seconds.toFixed(2).padStart(9)}${(images.length / row.seconds).toFixed(3).padStart(10)}${(windows / row.seconds).toFixed(2).padStart(11)}${(wasm / row.seconds).toFixed(2).padStart(8)}`,
    );
  }
  model.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
