import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ApiError } from '../../../src-shared/errors';
import type { BackendChoice } from '../../../src-shared/settings';
import { installGradients } from './gradients';
import { registerWasmKernels } from './wasm-kernels';

export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm';

export interface BackendReport {
  backend: BackendName;
  device: string;
  /** Why each earlier backend was passed over, in words for the user. */
  notes: string[];
}

/**
 * Explains a failed load of a native package: which shared library was missing and what the
 * tfjs 4.22 native packages need (libtensorflow 2.9: CUDA 11.2, cuDNN 8.1, driver 450+).
 */
export function explainLoadFailure(pkg: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && message.includes(pkg)) {
    return `${pkg} is not installed (its install downloads TensorFlow; it is an optional dependency).`;
  }
  const library = /(lib[\w.+-]+\.so(?:\.[\d.]+)?|[\w-]+\.dll)/.exec(message)?.[1];
  if (library) {
    const needs = /cudnn/i.test(library)
      ? 'cuDNN 8.1 (libcudnn.so.8)'
      : /cu(da|blas|fft|rand|solver|sparse)/i.test(library)
        ? 'CUDA 11.2 (libcudart.so.11.0 and its libraries)'
        : 'its TensorFlow library';
    return `${pkg} is installed but ${library} was not found. It needs ${needs}; install it and put its lib folder on LD_LIBRARY_PATH (PATH on Windows), with an NVIDIA driver 450 or newer. CUDA 12 alone does not work.`;
  }
  return `${pkg} failed to load: ${message.split('\n')[0]}`;
}

function nvidiaGpuName(): string | null {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000 }).split('\n')[0]!.trim() || null;
  } catch {
    return null;
  }
}

async function tryNative(pkg: 'tfjs-node-gpu' | 'tfjs-node'): Promise<string> {
  // Loaded at run time: optional packages that may be absent or unable to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(`@tensorflow/${pkg}`);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
  if (pkg === 'tfjs-node-gpu') return nvidiaGpuName() ?? 'NVIDIA GPU (CUDA)';
  return 'CPU (native TensorFlow)';
}

async function tryWasm(): Promise<string> {
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  registerWasmKernels();
  return 'CPU (WebAssembly, SIMD)';
}

/** Picks the backend: the forced one, or the first that loads of GPU, native CPU, wasm. */
export async function selectBackend(choice: BackendChoice): Promise<BackendReport> {
  installGradients();
  const order: BackendName[] = choice === 'auto' ? ['tfjs-node-gpu', 'tfjs-node', 'wasm'] : [choice];
  const notes: string[] = [];
  for (const backend of order) {
    try {
      const device = backend === 'wasm' ? await tryWasm() : await tryNative(backend);
      await tf.ready();
      tf.env().set('DEBUG', false);
      return { backend, device, notes };
    } catch (error) {
      notes.push(backend === 'wasm' ? `wasm failed to start: ${(error as Error).message}` : explainLoadFailure(`@tensorflow/${backend}`, error));
    }
  }
  throw new ApiError('ENGINE', `No training backend could start. ${notes.join(' ')}`);
}
