/**
 * Step time on a GPU backend (engine-step.ts --backend webgpu|tfjs-node-gpu): the reference U-Net
 * (depth 4, width 16, 6 classes), Adam, cross entropy, through the train job's own step code
 * (ReplicaPool, the whole batch on the device) at each size, with the adapter named. The
 * same-run references: PyTorch on CUDA when it is installed with CUDA here (bench/torch-step.py
 * --device cuda), and always a bare tfjs loop on the same backend (tf.variableGrads and the
 * optimizer, no SegBench step code), so the step's own overhead shows. Medians and ratios.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../src-shared/settings';
import { selectBackend } from '../src-main/engine/backend/select';
import { crossEntropy } from '../src-main/engine/losses/losses';
import { ReplicaPool } from '../src-main/engine/workers/replica-pool';
import { referenceUnet } from './reference-unet';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function torchCuda(size: number, batch: number, steps: number): { median: number; version: string } | null {
  const python = ['/usr/bin/python3', 'python3'].find(
    (candidate) => spawnSync(candidate, ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'], { encoding: 'utf8' }).status === 0,
  );
  if (!python) return null;
  const run = spawnSync(
    python,
    [join('bench', 'torch-step.py'), '--size', String(size), '--batch', String(batch), '--steps', String(steps), '--device', 'cuda'],
    {
      encoding: 'utf8',
      timeout: 600_000,
    },
  );
  if (run.status !== 0) return null;
  const line = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { median_ms: number; torch: string };
  return { median: line.median_ms, version: line.torch };
}

export async function gpuStepBench(choice: BackendChoice, sizes: number[], batch: number, steps: number): Promise<void> {
  const backend = await selectBackend(choice);
  console.log(`backend ${backend.backend}: ${backend.device}`);
  for (const note of backend.notes) console.log(`  passed over: ${note}`);
  if (backend.adapter?.software) console.log('  (a software adapter: these figures are of the CPU, for correctness runs only)');
  console.log(`U-Net depth 4, width 16, 6 classes, batch ${batch}, Adam, cross entropy; ${steps} timed steps after 2 warm-up steps`);
  console.log('size   SegBench step   images/s   bare tfjs loop   SegBench/bare   PyTorch CUDA   SegBench/PyTorch   GPU memory (backend)');
  for (const size of sizes) {
    const { model, variables, optimizer, images, labels, normalization, setup } = referenceUnet(size, batch);
    const replicas = await ReplicaPool.create(model, setup, 1, () => {});
    const timed = async (step: () => Promise<void>): Promise<number> => {
      for (let i = 0; i < 2; i += 1) await step();
      const times: number[] = [];
      for (let i = 0; i < steps; i += 1) {
        const started = performance.now();
        await step();
        times.push(performance.now() - started);
      }
      return median(times);
    };
    try {
      const ours = await timed(async () => {
        const { grads } = await replicas.gradients({ images, labels, size, normalization, soft: null });
        optimizer.apply(variables, grads, 1e-3);
        tf.dispose(Object.values(grads));
      });
      const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesAllocatedInGPU?: number };
      const gpuBytes = memory.numBytesAllocatedInGPU ?? memory.numBytesInGPUAllocated ?? memory.numBytes;
      const x = tf.randomNormal([batch, size, size, 3]);
      const y = tf.randomUniform([batch, size, size], 0, 6, 'int32');
      const bare = tf.train.adam(1e-3);
      const reference = await timed(async () => {
        const loss = bare.minimize(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y), true, variables)!;
        await loss.data();
        loss.dispose();
      });
      bare.dispose();
      tf.dispose([x, y]);
      const torch = torchCuda(size, batch, steps);
      console.log(
        `${String(size).padEnd(6)} ${`${ours.toFixed(1)} ms`.padStart(13)}   ${((batch * 1000) / ours).toFixed(1).padStart(8)}   ${`${reference.toFixed(1)} ms`.padStart(14)}   ${`${(ours / reference).toFixed(2)}x`.padStart(13)}   ${
          torch ? `${torch.median.toFixed(1)} ms`.padStart(12) : 'not here'.padStart(12)
        }   ${torch ? `${(ours / torch.median).toFixed(2)}x`.padStart(16) : '-'.padStart(16)}   ${(gpuBytes / 2 ** 20).toFixed(0)} MiB`,
      );
    } catch (error) {
      console.log(`${String(size).padEnd(6)} failed: ${(error as Error).message}`);
    } finally {
      await replicas.stop();
      optimizer.dispose();
      model.dispose();
    }
  }
}
