import { createMemoryClient } from '../../src-main/ipc/memory-transport';
import type { AppServices } from '../../src-main/services/app-services';
import type { RunConfigInput } from '../../src-shared/run-config';
import { testServices } from './services';

interface SampleRunFixture {
  services: AppServices;
  api: ReturnType<typeof createMemoryClient>;
  datasetId: string;
  /** A run config small enough to train in seconds on the wasm backend, with overrides. */
  tiny: (extra?: Partial<RunConfigInput>) => RunConfigInput;
}

/** Services on a fresh data directory with the synthetic sample dataset (12 tiles of 48x48) imported. */
export async function sampleRunFixture(): Promise<SampleRunFixture> {
  const services = testServices();
  const api = createMemoryClient(services);
  const { imported } = services.samples.create({ count: 12, size: 48, seed: 3 });
  await services.jobs.whenIdle();
  const datasetId = await imported;
  await services.jobs.whenIdle();
  const tiny = (extra: Partial<RunConfigInput> = {}): RunConfigInput => ({
    datasetId,
    backend: 'wasm',
    model: 'unet',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs: 2,
    stepsPerEpoch: 2,
    ...extra,
  });
  return { services, api, datasetId, tiny };
}
