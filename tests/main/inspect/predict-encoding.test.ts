import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { writeImage, writeIndexMask } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

// LoveDA-style index masks: 0 is no-data (the ignore class), 1 Background, 2 Building. A folder
// prediction must hold those values by default, not the class indices 0..n-1.
const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

async function waitFor(jobId: string): Promise<void> {
  await services.jobs.whenIdle();
  const job = await api.invoke('jobs:get', { jobId });
  assert.equal(job.status, 'finished', job.reason ?? '');
}

test('folder predictions hold the dataset mask values by default (LoveDA: 1 Background, 2 Building; never 0, no-data); class-index and palette on request', async () => {
  const root = tempDir('segbench-loveda-');
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  for (let i = 0; i < 6; i += 1) {
    await writeImage(join(root, 'images', `${i}.jpg`), 32, 32);
    // Left half Background (1), a Building block (2), the top rows no-data (0).
    const values = Array.from({ length: 32 * 32 }, (_, p) => (p < 32 * 4 ? 0 : p % 32 >= 16 + (i % 3) ? 2 : 1));
    await writeIndexMask(join(root, 'masks', `${i}.png`), 32, 32, values);
  }
  const { id } = await api.invoke('datasets:import', { name: 'loveda-like', imagesDir: join(root, 'images'), masksDir: join(root, 'masks'), preset: 'none' });
  await services.jobs.whenIdle();
  await api.invoke('datasets:setClasses', {
    datasetId: id,
    classes: [
      { name: 'No data', color: '#000000', values: [0], ignore: true },
      { name: 'Background', color: '#ffffff', values: [1], ignore: false },
      { name: 'Building', color: '#ff0000', values: [2], ignore: false },
    ],
  });
  await api.invoke('datasets:split', { datasetId: id, train: 0.5, val: 0.5 });
  const run = await api.invoke('runs:start', {
    datasetId: id,
    backend: 'wasm',
    model: 'unet',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 1,
  });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('runs:get', { runId: run.id })).status, 'finished');

  const values = async (path: string): Promise<Set<number>> => {
    assert.equal((await sharp(path).metadata()).channels, 1, 'one channel, as the masks');
    const { data } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return new Set(data);
  };
  const out = join(tempDir('segbench-pred-'), 'default');
  const job = await api.invoke('runs:predictFolder', { runId: run.id, imagesDir: join(root, 'images'), outDir: out });
  await waitFor(job.id);
  assert.ok(readdirSync(out).includes('0_mask.png'));
  const written = await values(join(out, '0_mask.png'));
  assert.ok(
    [...written].every((v) => v === 1 || v === 2),
    `mask values ${[...written].join(',')}`,
  );

  const asIndex = join(tempDir('segbench-pred-'), 'index');
  await waitFor((await api.invoke('runs:predictFolder', { runId: run.id, imagesDir: join(root, 'images'), outDir: asIndex, encoding: 'class-index' })).id);
  assert.ok(
    [...(await values(join(asIndex, '0_index.png')))].every((v) => v === 0 || v === 1),
    'class indices of the two training classes',
  );

  const asPalette = join(tempDir('segbench-pred-'), 'palette');
  await waitFor((await api.invoke('runs:predictFolder', { runId: run.id, imagesDir: join(root, 'images'), outDir: asPalette, encoding: 'palette' })).id);
  assert.deepEqual(
    readdirSync(asPalette).filter((f) => f.startsWith('0_')),
    ['0_color.png'],
  );
});
