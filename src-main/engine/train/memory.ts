import type * as tfl from '@tensorflow/tfjs-layers';
import { ApiError } from '../../../src-shared/errors';

/** The wasm heap is capped at 4 GiB and never shrinks; leave room for the allocator and data. */
export const wasmBudgetBytes = 3 * 2 ** 30;
/**
 * Bytes a training step holds per float of layer output: the activation kept for the backward
 * pass, its gradient, and the temporaries of the gradient kernels (measured on the reference
 * U-Net: 256x256 batch 4 trains, 512x512 batch 4 exhausts the heap, as docs/engine-notes.md reports).
 */
const bytesPerActivation = 4 * 5;

export function estimateTrainingBytes(model: tfl.LayersModel, batch: number): { perSample: number; fixed: number; total: number } {
  let activations = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) activations += shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  }
  const perSample = activations * bytesPerActivation;
  // Weights, their gradients and two Adam moments.
  const fixed = model.countParams() * 4 * 4;
  return { perSample, fixed, total: fixed + perSample * batch };
}

/** Refuses, before training starts, a wasm config whose step cannot fit the heap; names the largest batch that fits. */
export function checkWasmMemory(model: tfl.LayersModel, batch: number, size: number): void {
  const estimate = estimateTrainingBytes(model, batch);
  if (estimate.total <= wasmBudgetBytes) return;
  const fits = Math.floor((wasmBudgetBytes - estimate.fixed) / estimate.perSample);
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
  throw new ApiError(
    'VALIDATION',
    `Batch ${batch} at ${size}x${size} needs about ${gib(estimate.total)} GiB, more than the wasm backend's ${gib(wasmBudgetBytes)} GiB. ` +
      (fits >= 1 ? `The largest batch that fits is ${fits}.` : `Even batch 1 does not fit: use a smaller input size.`) +
      ' A GPU backend (tfjs-node-gpu) has no such limit.',
  );
}

/** Bytes of the largest single layer output of a batch: one WebGPU buffer, bounded by the adapter's binding limit. */
export function largestLayerBytes(model: tfl.LayersModel, batch: number): number {
  let largest = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) largest = Math.max(largest, shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1) * 4 * batch);
  }
  return largest;
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/**
 * Refuses, before the run starts, a batch whose largest layer output cannot be one WebGPU buffer
 * (maxStorageBufferBindingSize); names the largest batch that can.
 */
export function checkWebgpuLimits(model: tfl.LayersModel, batch: number, size: number, maxBindingBytes: number): void {
  const largest = largestLayerBytes(model, batch);
  if (largest <= maxBindingBytes) return;
  const fits = Math.floor(maxBindingBytes / (largest / batch));
  throw new ApiError(
    'VALIDATION',
    `Batch ${batch} at ${size}x${size} needs a ${mib(largest)} buffer for its largest layer; this GPU's WebGPU limit (maxStorageBufferBindingSize) is ${mib(maxBindingBytes)}. ` +
      (fits >= 1 ? `The largest batch that fits is ${fits}.` : 'Even batch 1 does not fit: use a smaller input size.'),
  );
}

/**
 * The message for a step that ran the GPU out of memory: what the batch needs by the layer sizes,
 * what the backend had allocated when it failed (the capacity, near enough), and the largest batch
 * that fits in that.
 */
export function gpuOutOfMemoryError(model: tfl.LayersModel, batch: number, size: number, allocatedBytes: number, detail: string): ApiError {
  const estimate = estimateTrainingBytes(model, batch);
  const fits = allocatedBytes > estimate.fixed ? Math.min(batch - 1, Math.floor((allocatedBytes - estimate.fixed) / estimate.perSample)) : 0;
  return new ApiError(
    'ENGINE',
    `Batch ${batch} at ${size}x${size} does not fit in GPU memory: ${detail}. The step needs about ${mib(estimate.total)}; ${mib(allocatedBytes)} was allocated when it failed. ` +
      (fits >= 1 ? `The largest batch that fits is about ${fits}.` : 'Use batch 1 or a smaller input size.') +
      ' The run keeps its last checkpoint.',
  );
}
