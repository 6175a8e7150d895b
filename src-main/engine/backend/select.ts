import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ApiError } from '../../../src-shared/errors';
import type { BackendProbe } from '../../../src-shared/job-kinds';
import type { BackendChoice } from '../../../src-shared/settings';
import { installGradients } from './gradients';
import { registerWasmKernels } from './wasm-kernels';
import { startWebgpu, type AdapterReport } from './webgpu';

export type BackendName = 'tfjs-node-gpu' | 'webgpu' | 'tfjs-node' | 'wasm';

/** The automatic order: CUDA, then WebGPU on a hardware adapter, then the CPU backends. */
export const automaticOrder: readonly BackendName[] = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm'];

export interface BackendReport {
  backend: BackendName;
  device: string;
  /** Why each earlier backend was passed over, in words for the user: one line each. */
  notes: string[];
  /** The WebGPU adapter: vendor, architecture, description and limits. */
  adapter?: AdapterReport;
}

/** Starts one backend; `forced` when the user chose it (a software WebGPU adapter is then allowed). */
export type BackendStarter = (forced: boolean) => Promise<{ device: string; adapter?: AdapterReport }>;

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

const starters: Record<BackendName, BackendStarter> = {
  'tfjs-node-gpu': async () => ({ device: await tryNative('tfjs-node-gpu') }),
  webgpu: (forced) => startWebgpu(forced),
  'tfjs-node': async () => ({ device: await tryNative('tfjs-node') }),
  wasm: async () => ({ device: await tryWasm() }),
};

/** Why a backend did not start, in one line. */
function explainFailure(backend: BackendName, error: unknown): string {
  if (backend === 'wasm') return `wasm failed to start: ${(error as Error).message}`;
  if (backend === 'webgpu') return (error as Error).message;
  return explainLoadFailure(`@tensorflow/${backend}`, error);
}

/**
 * Tries the forced backend, or each of the automatic order until one starts; every one passed over
 * leaves a line saying why. The starters are a parameter so the order is testable with fakes.
 */
export async function chooseBackend(choice: BackendChoice, start: Record<BackendName, BackendStarter> = starters): Promise<BackendReport> {
  const order: readonly BackendName[] = choice === 'auto' ? automaticOrder : [choice];
  const notes: string[] = [];
  for (const backend of order) {
    try {
      const { device, adapter } = await start[backend](choice !== 'auto');
      return { backend, device, notes, ...(adapter ? { adapter } : {}) };
    } catch (error) {
      notes.push(explainFailure(backend, error));
    }
  }
  throw new ApiError('ENGINE', `No training backend could start. ${notes.join(' ')}`);
}

/**
 * Tries every backend of the automatic order, as the automatic choice would (a software WebGPU
 * adapter is reported, not accepted), for the system report. Each line is the device or the reason.
 */
export async function probeBackends(start: Record<BackendName, BackendStarter> = starters): Promise<BackendProbe[]> {
  installGradients();
  const probes: BackendProbe[] = [];
  for (const backend of automaticOrder) {
    try {
      const { device } = await start[backend](false);
      probes.push({ backend, available: true, detail: device });
    } catch (error) {
      probes.push({ backend, available: false, detail: explainFailure(backend, error) });
    }
  }
  return probes;
}

/** Picks the backend (the forced one, or the first that starts in the automatic order) and readies tfjs on it. */
export async function selectBackend(choice: BackendChoice): Promise<BackendReport> {
  installGradients();
  const report = await chooseBackend(choice);
  await tf.ready();
  tf.env().set('DEBUG', false);
  return report;
}
