import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installGradients } from '../../src-main/engine/backend/gradients';
import { registerWasmKernels } from '../../src-main/engine/backend/wasm-kernels';

/** The wasm backend as the engine runs it: SegBench's gradients and kernels on, the .wasm files from node_modules. */
export async function useWasmEngine(): Promise<void> {
  setWasmPaths(join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  installGradients();
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmKernels();
}

/**
 * The python3 that can `import` these modules (a same-run reference), or null: Debian's
 * python3-torch lives in the system Python, and a pyenv or venv python3 first on PATH lacks it.
 */
export function pythonWith(modules: string): string | null {
  return ['/usr/bin/python3', 'python3'].find((candidate) => spawnSync(candidate, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0) ?? null;
}
