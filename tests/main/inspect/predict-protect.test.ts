import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { manifestName } from '../../../src-main/outputs/prediction-outputs';
import { writeImage, writeIndexMask } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

// Issue 27 F3: `segbench predict --images same --out same` replaced the ground-truth masks of a
// folder holding `tile1.png tile1_mask.png ...` and predicted the masks as images.
const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

const mask = (i: number): number[] => Array.from({ length: 32 * 32 }, (_, p) => (p % 32 >= 10 + i ? 1 : 0));

async function trainedRun(): Promise<{ runId: string; same: string }> {
  const same = join(tempDir('segbench-same-'), 'same');
  mkdirSync(same);
  for (let i = 1; i <= 4; i += 1) {
    await writeImage(join(same, `tile${i}.png`), 32, 32);
    await writeIndexMask(join(same, `tile${i}_mask.png`), 32, 32, mask(i));
  }
  const { id } = await api.invoke('datasets:import', { name: 'same folder', imagesDir: same, preset: 'none' });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('datasets:get', { datasetId: id })).indexedCount, 4, 'one folder of images and masks imports as 4 pairs');
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
  return { runId: run.id, same };
}

const snapshot = (dir: string): Map<string, string> =>
  new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );

test("predict never writes over files SegBench did not create: a dataset's folder is refused, masks beside images are not inputs, a user's file of the same name stops the job", async () => {
  const { runId, same } = await trainedRun();
  const before = snapshot(same);

  // The reproduction's command line: refused with the reason, nothing written.
  const cli = spawnSync(
    process.execPath,
    ['src-main/cli/segbench.cjs', 'predict', '--run', runId, '--images', same, '--out', same, '--data-dir', services.dataDir],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.notEqual(cli.status, 0);
  assert.match(cli.stderr, /holds images or masks of dataset "same folder" \(tile1\.png\); predictions are never written beside a dataset's files/);
  assert.deepEqual(snapshot(same), before, 'the dataset folder was changed');

  // The same layout outside any dataset: masks that pair are left out as inputs, and the user's
  // tile1_mask.png blocks writing the predicted tile1_mask.png.
  const loose = tempDir('segbench-loose-');
  for (const name of readdirSync(same)) copyFileSync(join(same, name), join(loose, name));
  const looseBefore = snapshot(loose);
  await assert.rejects(api.invoke('runs:predictFolder', { runId, imagesDir: loose, outDir: loose }), {
    code: 'CONFLICT',
    message:
      /already holds 4 file\(s\) that this prediction would write and SegBench did not write: tile1_mask\.png, tile2_mask\.png, tile3_mask\.png, tile4_mask\.png\. SegBench never replaces a file it did not create/,
  });
  assert.deepEqual(snapshot(loose), looseBefore);

  // Into a new folder: four images predicted, the four masks reported as left out, no *_mask_mask.png.
  const out = join(tempDir('segbench-out-'), 'predictions');
  const job = await api.invoke('runs:predictFolder', { runId, imagesDir: loose, outDir: out });
  const done = await services.jobs.whenDoneOf('predict', job.id);
  assert.equal(done.status, 'finished', done.reason ?? '');
  assert.equal(done.result?.written, 4);
  assert.deepEqual(
    done.result?.skipped.map((s) => s.message),
    new Array(4).fill('left out: a mask (its name pairs it with an image in this folder, as import would)'),
  );
  const written = readdirSync(out).sort();
  assert.deepEqual(written, [manifestName, ...[1, 2, 3, 4].flatMap((i) => [`tile${i}_color.png`, `tile${i}_mask.png`])].sort());

  // SegBench's own files are replaced on a second prediction; one the user changed is not.
  const again = await services.jobs.whenDoneOf('predict', (await api.invoke('runs:predictFolder', { runId, imagesDir: loose, outDir: out })).id);
  assert.equal(again.result?.written, 4);
  writeFileSync(join(out, 'tile2_color.png'), 'my own notes');
  await assert.rejects(api.invoke('runs:predictFolder', { runId, imagesDir: loose, outDir: out }), {
    code: 'CONFLICT',
    message: /SegBench did not write: tile2_color\.png\./,
  });
  assert.equal(readFileSync(join(out, 'tile2_color.png'), 'utf8'), 'my own notes');

  // Predicting a folder of predictions into itself takes none of them as inputs.
  copyFileSync(join(loose, 'tile1.png'), join(out, 'tile1.png'));
  const inPlace = await services.jobs.whenDoneOf('predict', (await api.invoke('runs:predictFolder', { runId, imagesDir: out, outDir: join(out, 'sub') })).id);
  assert.equal(inPlace.result?.written, 1);
  assert.equal(inPlace.result?.skipped.filter((s) => s.message.startsWith('left out: a prediction SegBench wrote here')).length, 7);
});
