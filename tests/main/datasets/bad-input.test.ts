import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { pairFiles } from '../../../src-main/datasets/pairing';
import { noisyMaskOutliers } from '../../../src-shared/indexing';
import { dubaiDir, dubaiSubset, writeImage, writeIndexMask } from '../../helpers/fixtures';
import { mulberry32 as seeded } from '../../../src-shared/random';
import { servicesOpener, tempDir } from '../../helpers/services';

const open = servicesOpener();

/** An RGB mask of random colours, the size of the tile it replaces. */
async function noiseMask(path: string, width: number, height: number): Promise<void> {
  const random = seeded(3);
  const data = Buffer.from(Array.from({ length: width * height * 3 }, () => Math.floor(random() * 8) * 32));
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

test('the noisy-mask rule: outliers against the median, never with fewer than three masks', () => {
  assert.deepEqual(
    noisyMaskOutliers([
      { id: 1, n: 6 },
      { id: 2, n: 5 },
      { id: 3, n: 774 },
      { id: 4, n: 7 },
    ]),
    { outliers: [{ id: 3, n: 774 }], median: 6, typicalMax: 7 },
  );
  // 4x the median and 32 more: 40 values beside a median of 6 are suspicious, 30 are not.
  assert.deepEqual(
    noisyMaskOutliers([
      { id: 1, n: 6 },
      { id: 2, n: 6 },
      { id: 3, n: 30 },
    ]).outliers,
    [],
  );
  assert.deepEqual(
    noisyMaskOutliers([
      { id: 1, n: 6 },
      { id: 2, n: 6 },
      { id: 3, n: 40 },
    ]).outliers,
    [{ id: 3, n: 40 }],
  );
  assert.deepEqual(
    noisyMaskOutliers([
      { id: 1, n: 6 },
      { id: 2, n: 500 },
    ]).outliers,
    [],
  );
});

test('a mask of random colours is reported as a problem image and kept out of the class list', async () => {
  const { services, api } = open();
  const { images, masks } = dubaiSubset(6);
  const meta = await sharp(join(masks, 'tile1_image_part_004.png')).metadata();
  await noiseMask(join(masks, 'tile1_image_part_004.png'), meta.width!, meta.height!);
  const summary = await api.invoke('datasets:import', { name: 'noisy', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: summary.id });
  assert.equal(dataset.preset, 'dubai-aerial');
  assert.equal(dataset.classes.length, 6);
  assert.ok(dataset.values.length <= 7, `values of the clean masks only, got ${dataset.values.length}`);
  const problem = dataset.problems.find((p) => p.stem === 'tile1_image_part_004');
  assert.equal(problem?.kind, 'noisy-mask');
  assert.match(problem?.message ?? '', /^The mask has 512 distinct values, while the other masks of this dataset have at most \d+ \(median \d+\)/);
  assert.match(problem?.message ?? '', /kept out of the class list and of training\. Fix or replace the mask, then re-index/);
  assert.equal(dataset.indexedCount, 5);
});

test('more than 64 mask values and no preset: the classes are not created until asked', async () => {
  const { services, api } = open();
  const root = tempDir();
  // Four 10x10 index masks, each using the same 80 values: consistent, but too many to guess.
  for (let i = 0; i < 4; i += 1) {
    await writeImage(join(root, `t${i}.jpg`), 10, 10);
    await writeIndexMask(
      join(root, `t${i}.png`),
      10,
      10,
      Array.from({ length: 100 }, (_, p) => p % 80),
    );
  }
  const summary = await api.invoke('datasets:import', { name: 'many', imagesDir: root });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: summary.id });
  assert.equal(dataset.values.length, 80);
  assert.deepEqual(dataset.classes, []);
  const noneAsked = await api.invoke('datasets:import', { name: 'many-none', imagesDir: root, preset: 'none' });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('datasets:get', { datasetId: noneAsked.id })).classes.length, 80);
});

test('a JPEG in the masks folder is named as a lossy mask, with why, not as "not an image"', () => {
  const report = pairFiles(
    [
      { name: 'a.jpg', path: '/i/a.jpg' },
      { name: 'b.jpg', path: '/i/b.jpg' },
    ],
    [
      { name: 'a.jpg', path: '/m/a.jpg' },
      { name: 'b.png', path: '/m/b.png' },
      { name: 'notes.txt', path: '/m/notes.txt' },
    ],
  );
  assert.deepEqual(report.lossyMasks, ['a.jpg']);
  assert.deepEqual(report.ignored, ['notes.txt']);
  assert.deepEqual(report.imagesWithoutMasks, ['a.jpg']);
  const oneFolder = pairFiles(
    [
      { name: 'c.jpg', path: '/x/c.jpg' },
      { name: 'c_mask.jpg', path: '/x/c_mask.jpg' },
    ],
    null,
  );
  assert.deepEqual(oneFolder.lossyMasks, ['c_mask.jpg']);
  assert.equal(oneFolder.pairs.length, 0);

  const root = tempDir();
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  copyFileSync(join(dubaiDir, 'images', 'tile1_image_part_001.jpg'), join(root, 'images', 'a.jpg'));
  copyFileSync(join(dubaiDir, 'images', 'tile1_image_part_001.jpg'), join(root, 'masks', 'a.jpg'));
  const cli = spawnSync(
    process.execPath,
    ['src-main/cli/segbench.cjs', 'import', '--images', join(root, 'images'), '--masks', join(root, 'masks'), '--name', 'jpeg-masks', '--data-dir', tempDir()],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(cli.status, 1);
  assert.match(
    cli.stdout + cli.stderr,
    /1 mask\(s\) are JPEG, e\.g\. a\.jpg\. Masks must be PNG or TIFF \(lossless\): JPEG compression blurs the label values at every edge/,
  );
  assert.doesNotMatch(cli.stdout + cli.stderr, /Not images/);
});

test('a database file of garbage bytes is named as not a SegBench database, with what to do, and left untouched', () => {
  const dataDir = tempDir();
  const file = join(dataDir, 'segbench.db');
  writeFileSync(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 37) % 251)));
  const before = createHash('sha256').update(readFileSync(file)).digest('hex');
  const result = spawnSync(process.execPath, ['src-main/cli/segbench.cjs', 'import', '--images', tempDir(), '--name', 'x', '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 1);
  const out = result.stdout + result.stderr;
  assert.match(
    out,
    new RegExp(
      `^segbench: ${file.replaceAll('/', '\\/')} is not a SegBench database \\(SQLite says: file is not a database\\)\\. It was left untouched\\. Move or rename it`,
    ),
  );
  assert.doesNotMatch(out, /at .*\(.*\.cjs:\d+/, 'no stack trace');
  assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), before);
});
