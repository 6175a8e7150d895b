import type * as tfl from '@tensorflow/tfjs-layers';
import { ApiError } from '../../../src-shared/errors';

/** The wasm heap is capped at 4 GiB and never shrinks; leave room for the allocator and data. */
export const wasmBudgetBytes = 3 * 2 ** 30;
/**
 * Bytes a training step holds per float of layer output: the activation kept for the backward
 * pass, its gradient, and the temporaries of the gradient kernels (measured on the reference
 * U-Net: 256x256 batch 4 trains, 512x512 batch 4 exhausts the heap, as ENGINE_NOTES reports).
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
