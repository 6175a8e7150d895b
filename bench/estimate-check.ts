/**
 * The launch form's estimate against the run it estimated (issue 16): the estimate job's training
 * time per epoch and full validation pass, then the same config trained for real on dubai-aerial
 * (72 tiles, the import's seeded validation split) through the built engine, with each epoch's
 * measured training and validation time (the events' "(validation X s)"). Prints both and the
 * ratio measured / estimated. Run after `npm run build`:
 *   node --import tsx bench/estimate-check.ts [--size 128] [--batch 4] [--steps 25] [--epochs 2]
 */
import { join, resolve } from 'node:path';
import { createMemoryClient } from '../src-main/ipc/memory-transport';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { silentLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';
import { tempDir } from './support/temp-dir';

const arg = (flag: string, fallback: number): number => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const services = createAppServices({
    dataDir: tempDir('segbench-estimate-'),
    mode: 'memory',
    launcher: childProcessLauncher({ entry: resolve('out/engine/engine.cjs') }),
    logger: silentLogger,
  });
  const api = createMemoryClient(services);
  try {
    const dubai = join('..', 'shared', 'data', 'dubai-aerial');
    const dataset = await api.invoke('datasets:import', { name: 'dubai', imagesDir: join(dubai, 'images'), masksDir: join(dubai, 'masks') });
    await services.jobs.whenIdle();
    const config = {
      datasetId: dataset.id,
      backend: 'wasm' as const,
      modelOptions: { depth: 3, width: 16 },
      inputSize: arg('--size', 128),
      batchSize: arg('--batch', 4),
      epochs: arg('--epochs', 2),
      stepsPerEpoch: arg('--steps', 25),
    };
    const estimate = await api.invoke('runs:estimate', config);
    await services.jobs.whenIdle();
    const run = await api.invoke('runs:start', config);
    await services.jobs.whenIdle();
    const detail = await api.invoke('runs:get', { runId: run.id });
    console.log(
      `dubai-aerial, U-Net depth 3 width 16, ${config.inputSize} px, batch ${config.batchSize}, ${config.stepsPerEpoch} steps an epoch, ${estimate.validationImages} validation images, ${estimate.backend} (${estimate.device}); run ${detail.status}`,
    );
    console.log(
      `estimate: ${estimate.stepSeconds.toFixed(2)} s a step, training ${estimate.trainSecondsPerEpoch.toFixed(1)} s an epoch, a full validation ${estimate.validationSeconds.toFixed(1)} s`,
    );
    for (const epoch of detail.epochHistory) {
      const line = detail.events.find((e) => e.message.startsWith(`Epoch ${epoch.epoch}:`))?.message ?? '';
      const validation = Number(/\(validation (\d+\.\d) s\)/.exec(line)?.[1] ?? Number.NaN);
      const training = (epoch.seconds ?? Number.NaN) - validation;
      console.log(
        `epoch ${epoch.epoch} measured: training ${training.toFixed(1)} s (${(training / estimate.trainSecondsPerEpoch).toFixed(2)}x the estimate), validation ${validation.toFixed(1)} s (${(validation / estimate.validationSeconds).toFixed(2)}x)`,
      );
    }
  } finally {
    await services.close();
  }
}

void main();
