import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installGradients } from '../../src-main/engine/backend/gradients';
import { registerWasmKernels } from '../../src-main/engine/backend/wasm-kernels';
import { mulberry32 } from '../../src-shared/random';

let ready: Promise<void> | null = null;

/** The wasm backend with SegBench's kernels and gradients, as the engine sets it up. */
export function wasmReady(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
    installGradients();
    await tf.setBackend('wasm');
    await tf.ready();
    registerWasmKernels();
    tf.env().set('DEBUG', false);
  })();
  return ready;
}

export function randomArray(size: number, seed: number, scale = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale);
}

/** Runs `fn` on a backend and returns its outputs' values; every tensor made is freed. */
export async function valuesOn(backend: 'cpu' | 'wasm' | 'webgpu', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(fn);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const values = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(list);
  return values;
}

export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i += 1) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return worst / scale;
}

export { tf };
