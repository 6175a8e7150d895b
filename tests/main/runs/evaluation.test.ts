import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { writeImage, writeIndexMask } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

test('a two-class run gets a decision-threshold sweep; its 0.5 row is the plain argmax', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  for (let i = 0; i < 10; i += 1) {
    await writeImage(join(root, 'images', `t${i}.jpg`), 32, 32);
    // Left part background, right part building, the split moving with i.
    await writeIndexMask(
      join(root, 'masks', `t${i}.png`),
      32,
      32,
      Array.from({ length: 32 * 32 }, (_, p) => (p % 32 >= 8 + i ? 1 : 0)),
    );
  }
  const dataset = await api.invoke('datasets:import', { name: 'binary', imagesDir: join(root, 'images'), masksDir: join(root, 'masks'), preset: 'none' });
  await services.jobs.whenIdle();
  services.db.prepare("UPDATE images SET split = CASE WHEN stem IN ('t0', 't5') THEN 'val' ELSE 'train' END WHERE dataset_id = ?").run(dataset.id);
  const run = await api.invoke('runs:start', {
    datasetId: dataset.id,
    name: 'binary',
    backend: 'wasm',
    model: 'unet',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 2,
  });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('runs:get', { runId: run.id })).status, 'finished');
  await api.invoke('evals:start', { runIds: [run.id], tta: null });
  await services.jobs.whenIdle();
  const [evaluation] = await api.invoke('evals:list', {});
  const names = evaluation!.variants.map((v) => v.name);
  assert.equal(names[0], 'binary');
  assert.deepEqual(
    names.slice(1),
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((t) => `binary @ p(${evaluation!.classNames[1]}) >= ${t.toFixed(2)}`),
  );
  const half = evaluation!.variants.find((v) => v.name.endsWith('>= 0.50'))!;
  assert.deepEqual(half.classIou, evaluation!.variants[0]!.classIou);
});
