import * as tf from '@tensorflow/tfjs-core';

/**
 * What the engine does differently on each tfjs backend, in one table (issue 28): code asks the
 * profile of the backend in use instead of comparing backend names, so a new backend is one row
 * here and every difference is named with its reason.
 */
interface BackendProfile {
  /** tfjs's name for the backend (what tf.getBackend() returns; tfjs-node and tfjs-node-gpu are both 'tensorflow'). */
  readonly name: string;
  /**
   * Undilated convolution gradients run on the backend's own backprop kernels. wasm lacks
   * Conv2DBackpropFilter (tensorflow/tfjs#8474) and has Conv2DBackpropInput only as a slow loop,
   * so there SegBench's formulation on XNNPACK's Conv2D (conv-grads.ts) runs directly; dilated
   * ones take that formulation everywhere (tfjs-core refuses dilation in gradients).
   */
  readonly nativeConvGradients: boolean;
  /**
   * The nearest-resize gradient runs on the native kernel. Elsewhere two matrix products
   * (resize-grad.ts): tfjs 4.22's cpu kernel is wrong for a batch above 1 and the webgpu one
   * disagrees with a brute-force sum.
   */
  readonly nativeResizeGradient: boolean;
  /**
   * Tensors live in memory JS can read without a copy to or from a device, so a small reshuffle (the
   * filter turned for a convolution's input gradient) is one pass in JS rather than kernels.
   */
  readonly hostMemory: boolean;
  /**
   * What bounds a training step's memory, checked before training: the wasm heap (all training
   * bytes, 4 GiB), one storage-buffer binding of the adapter (the largest layer output), or
   * nothing SegBench can check ahead (tfjs-node manages its own).
   */
  readonly memoryLimit: 'wasm-heap' | 'buffer-binding' | 'none';
  /**
   * The backend computes on one thread of the engine, so the batch is split over compute workers
   * and validation's images over inference workers (SEGBENCH_TRAIN_THREADS). Other backends have
   * their own threads (or the GPU) and run everything on the engine's.
   */
  readonly computeWorkers: boolean;
  /** Inference (validation, evaluation, predict) goes to ONNX Runtime on the CPU, several times faster than this backend there. */
  readonly inferenceOnOrt: boolean;
}

const wasm: BackendProfile = {
  name: 'wasm',
  nativeConvGradients: false,
  nativeResizeGradient: true,
  hostMemory: true,
  memoryLimit: 'wasm-heap',
  computeWorkers: true,
  inferenceOnOrt: true,
};

const profiles: Record<string, BackendProfile> = {
  wasm,
  webgpu: {
    name: 'webgpu',
    nativeConvGradients: true,
    nativeResizeGradient: false,
    hostMemory: false,
    memoryLimit: 'buffer-binding',
    computeWorkers: false,
    inferenceOnOrt: false,
  },
  tensorflow: {
    name: 'tensorflow',
    nativeConvGradients: true,
    nativeResizeGradient: true,
    hostMemory: false,
    memoryLimit: 'none',
    computeWorkers: false,
    inferenceOnOrt: false,
  },
  // The reference the kernel checks compare with; never chosen for a job.
  cpu: {
    name: 'cpu',
    nativeConvGradients: true,
    nativeResizeGradient: false,
    hostMemory: true,
    memoryLimit: 'none',
    computeWorkers: false,
    inferenceOnOrt: false,
  },
};

/** SegBench's backend names (select.ts) as tfjs names them. */
const tfjsNames: Record<string, string> = { 'tfjs-node': 'tensorflow', 'tfjs-node-gpu': 'tensorflow' };

/** The profile of a backend, by SegBench's name or tfjs's; a backend not in the table gets the most cautious one (tfjs's own kernels, no checks, one thread). */
export function profileOf(backend: string): BackendProfile {
  const name = tfjsNames[backend] ?? backend;
  return (
    profiles[name] ?? {
      name,
      nativeConvGradients: true,
      nativeResizeGradient: false,
      hostMemory: false,
      memoryLimit: 'none',
      computeWorkers: false,
      inferenceOnOrt: false,
    }
  );
}

/** The profile of the backend tfjs is running now. */
export function activeProfile(): BackendProfile {
  return profileOf(tf.getBackend());
}

/** The device line a run states: with the threads where the batch is split over compute workers. */
export function deviceLine(profile: BackendProfile, device: string, threads: number): string {
  if (profile.computeWorkers) return `${device}, ${threads === 1 ? '1 thread' : `${threads} threads (the batch split over compute workers)`}`;
  if (profile.memoryLimit === 'buffer-binding') return `${device}; the whole batch runs on the GPU (compute workers are a CPU feature)`;
  return device;
}

/** The run computes on an NVIDIA GPU (CUDA, or WebGPU on an NVIDIA adapter): nvidia-smi can report its memory and load. */
export function onNvidiaGpu(backend: string, adapterVendor: string | undefined): boolean {
  return backend === 'tfjs-node-gpu' || /nvidia/i.test(adapterVendor ?? '');
}
