import { execFile } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import type { EngineResources } from '../../../src-shared/engine-protocol';

type Gpu = EngineResources['gpu'];

/**
 * Samples the engine's resources for the run page. nvidia-smi is asked asynchronously (never
 * blocking a step) and at most every 5 seconds; tf.memory() bytes are unreliable on tfjs-node-gpu,
 * so the tensor count is reported too.
 */
export class ResourceMonitor {
  private gpu: Gpu = null;
  private lastQuery = 0;

  constructor(private readonly onGpu: boolean) {}

  sample(): EngineResources {
    if (this.onGpu && Date.now() - this.lastQuery > 5000) this.queryGpu();
    const memory = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
    return {
      tensors: memory.numTensors,
      tfjsMiB: Math.round(memory.numBytes / 2 ** 20),
      processMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      ...(memory.numBytesAllocatedInGPU !== undefined ? { gpuBuffersMiB: Math.round(memory.numBytesAllocatedInGPU / 2 ** 20) } : {}),
      gpu: this.gpu,
    };
  }

  private queryGpu(): void {
    this.lastQuery = Date.now();
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,utilization.gpu,memory.used,memory.total,temperature.gpu', '--format=csv,noheader,nounits'],
      { timeout: 3000 },
      (error, stdout) => {
        if (error) return;
        this.gpu = parseNvidiaSmi(stdout);
      },
    );
  }
}

/** First GPU of `nvidia-smi --query-gpu=name,utilization.gpu,memory.used,memory.total,temperature.gpu --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): Gpu {
  const [name, utilization, used, total, temperature] = (text.split('\n')[0] ?? '').split(',').map((part) => part.trim());
  const numbers = [utilization, used, total, temperature].map(Number);
  if (!name || numbers.some((n) => !Number.isFinite(n))) return null;
  return { name, utilization: numbers[0]!, memoryUsedMiB: numbers[1]!, memoryTotalMiB: numbers[2]!, temperatureC: numbers[3]! };
}
