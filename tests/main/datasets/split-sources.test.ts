import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { test } from 'node:test';
import type { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { spawnSync } from 'node:child_process';
import { dubaiDir, writeImage, writeIndexMask } from '../../helpers/fixtures';
import { servicesOpener, tempDir } from '../../helpers/services';

// A dataset's own split, from real dubai tiles laid out as public sets ship them.
const open = servicesOpener();

/** images/<folder>/<stem>.jpg and masks/<folder>/<stem>.png for each [folder, stem]. */
function nested(layout: [string, string][]): { root: string; images: string; masks: string } {
  const root = tempDir('segbench-nested-');
  for (const [folder, stem] of layout) {
    mkdirSync(join(root, 'images', folder), { recursive: true });
    mkdirSync(join(root, 'masks', folder), { recursive: true });
    copyFileSync(join(dubaiDir, 'images', `${stem}.jpg`), join(root, 'images', folder, `${stem}.jpg`));
    copyFileSync(join(dubaiDir, 'masks', `${stem}.png`), join(root, 'masks', folder, `${stem}.png`));
  }
  return { root, images: join(root, 'images'), masks: join(root, 'masks') };
}

const split = async (api: ReturnType<typeof createMemoryClient>, datasetId: string) =>
  Object.fromEntries((await api.invoke('datasets:images', { datasetId })).items.map((i) => [i.stem, i.split]));

test('nested folders import recursively, pair by relative path, and their Train/Val folders are the split', async () => {
  const { services, api } = open();
  const data = nested([
    ['Train', 'tile1_image_part_001'],
    ['Train', 'tile1_image_part_002'],
    ['Train/Urban', 'tile2_image_part_001'],
    ['Val', 'tile3_image_part_001'],
    // The same file name in two folders is two images, told apart by the folder.
    ['Val', 'tile1_image_part_001'],
  ]);
  const { id } = await api.invoke('datasets:import', { name: 'nested', imagesDir: data.images, masksDir: data.masks });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.equal(dataset.indexedCount, 5);
  assert.equal(dataset.splitConfig?.from, 'folders', 'the import says which source it used');
  assert.deepEqual(await split(api, id), {
    'Train/tile1_image_part_001': 'train',
    'Train/tile1_image_part_002': 'train',
    'Train/Urban/tile2_image_part_001': 'train',
    'Val/tile1_image_part_001': 'val',
    'Val/tile3_image_part_001': 'val',
  });
  // A random split replaces it; from-folders brings it back.
  await api.invoke('datasets:split', { datasetId: id, train: 0.6, val: 0.4 });
  assert.equal((await api.invoke('datasets:split', { datasetId: id, from: 'folders' })).splitCounts.val, 2);
});

test('list files (train.txt, valid.txt, test.txt) set the split by name; images in no list stay unassigned; bad lists are refused with what was found', async () => {
  const { services, api } = open();
  const stems = ['tile1_image_part_001', 'tile1_image_part_002', 'tile2_image_part_001', 'tile3_image_part_001', 'tile2_image_part_002'];
  const data = nested(stems.map((stem) => ['', stem] as [string, string]));
  const { id } = await api.invoke('datasets:import', { name: 'listed', imagesDir: data.images, masksDir: data.masks });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('datasets:get', { datasetId: id })).splitConfig?.from, 'random', 'flat folders: a random split at import');
  const lists = tempDir('segbench-lists-');
  writeFileSync(join(lists, 'train.txt'), 'tile1_image_part_001\ntile1_image_part_002.jpg\r\nimages/tile2_image_part_001.png\n\n');
  writeFileSync(join(lists, 'valid.txt'), 'TILE3_IMAGE_PART_001\nnot_a_tile\n');
  writeFileSync(join(lists, 'README.md'), 'not a list');
  const dataset = await api.invoke('datasets:split', { datasetId: id, from: 'lists', listsDir: lists });
  assert.deepEqual(dataset.splitCounts, { train: 3, val: 1, test: 0, none: 1 });
  assert.equal((await split(api, id)).tile2_image_part_002, null);
  assert.match(dataset.splitConfig?.note ?? '', /lists train\.txt \(3\), valid\.txt \(2\); 1 images in no list \(unassigned\); 1 list entries name no image/);

  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'lists', listsDir: join(lists, 'nope') }), {
    code: 'VALIDATION',
    message: /cannot be read/,
  });
  const onlyTrain = tempDir('segbench-lists-');
  writeFileSync(join(onlyTrain, 'train.txt'), stems.join('\n'));
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'lists', listsDir: onlyTrain }), {
    code: 'VALIDATION',
    message: /The lists give no validation image: lists train\.txt \(5\)/,
  });
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'lists' }), { code: 'VALIDATION', message: /listsDir/ });
  assert.equal((await api.invoke('datasets:get', { datasetId: id })).splitCounts.none, 1, 'a refused split leaves the one before');
});

test('name patterns: validation first, then test, the rest training; a pattern that matches nothing is refused', async () => {
  const { services, api } = open();
  const stems = ['tile1_image_part_001', 'tile1_image_part_002', 'tile2_image_part_001', 'tile3_image_part_001'];
  const data = nested(stems.map((stem) => ['', stem] as [string, string]));
  const { id } = await api.invoke('datasets:import', { name: 'patterned', imagesDir: data.images, masksDir: data.masks });
  await services.jobs.whenIdle();
  await api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '^tile2_', testPattern: 'part_002$' });
  assert.deepEqual(await split(api, id), {
    tile1_image_part_001: 'train',
    tile1_image_part_002: 'test',
    tile2_image_part_001: 'val',
    tile3_image_part_001: 'train',
  });
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '^tile9_' }), {
    code: 'VALIDATION',
    message: /valPattern \^tile9_ matches no image name/,
  });
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '(' }), {
    code: 'VALIDATION',
    message: /valPattern is not a valid regular expression/,
  });
});

test(
  "issue 27 F2: a catastrophic pattern, (a+)+$ against 27 a's, is matched in linear time by the service and the CLI; RE2 refuses lookaround with the reason",
  { timeout: 120_000 },
  async () => {
    const { services, api } = open();
    const root = tempDir('segbench-redos-');
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'masks'));
    for (let i = 1; i <= 3; i += 1) {
      const stem = `${'a'.repeat(27)}_${i}`;
      await writeImage(join(root, 'images', `${stem}.jpg`), 16, 16);
      await writeIndexMask(join(root, 'masks', `${stem}.png`), 16, 16, new Array<number>(256).fill(i % 2));
    }
    const { id } = await api.invoke('datasets:import', { name: 'redos', imagesDir: join(root, 'images'), masksDir: join(root, 'masks') });
    await services.jobs.whenIdle();
    // No name ends in a run of a's, so no validation image: refused, not frozen (JavaScript's
    // backtracking RegExp takes minutes on this; the test's timeout is the bound).
    await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '(a+)+$' }), { code: 'VALIDATION' });
    assert.equal((await api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '(a+)+_2$' })).splitCounts.val, 1);
    await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '(?<=a)_1' }), {
      code: 'VALIDATION',
      message: /valPattern is not a valid regular expression: .*no backreferences or lookaround/,
    });
    const cli = spawnSync(
      process.execPath,
      ['src-main/cli/segbench.cjs', 'split', '--dataset', 'redos', '--val-pattern', '(a+)+_[13]$', '--data-dir', services.dataDir],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(Object.values(await split(api, id)).sort(), ['train', 'val', 'val']);
  },
);

/** Writes a small image and index mask pair at the given relative paths under `root`. */
async function pairAt(root: string, image: string, mask: string, value: number): Promise<void> {
  for (const path of [image, mask]) mkdirSync(dirname(join(root, path)), { recursive: true });
  await (image.endsWith('.png') ? writePng(join(root, image)) : writeImage(join(root, image), 16, 16));
  await writeIndexMask(join(root, mask), 16, 16, new Array<number>(256).fill(value));
}

async function writePng(path: string): Promise<void> {
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 10, g: 200, b: 30 } } })
    .png()
    .toFile(path);
}

test('issue 32 (1): public datasets import from their root as downloaded: LoveDA, DeepGlobe, LandCover.ai; symbolic links are followed, loops reported', async () => {
  const { services, api } = open();
  // LoveDA: Train/Rural/images_png/1.png beside Train/Rural/masks_png/1.png, and Val likewise.
  const loveda = tempDir('segbench-loveda-');
  for (const [split, area, n] of [
    ['Train', 'Rural', 1],
    ['Train', 'Rural', 2],
    ['Train', 'Urban', 3],
    ['Val', 'Rural', 4],
    ['Val', 'Urban', 5],
  ] as const) {
    await pairAt(loveda, `${split}/${area}/images_png/${n}.png`, `${split}/${area}/masks_png/${n}.png`, n % 3);
  }
  const scanned = await api.invoke('datasets:scan', { imagesDir: loveda });
  assert.equal(scanned.pairs, 5, JSON.stringify(scanned));
  assert.deepEqual(scanned.roles, {
    images: ['Train/Rural/images_png', 'Train/Urban/images_png', 'Val/Rural/images_png', 'Val/Urban/images_png'],
    masks: ['Train/Rural/masks_png', 'Train/Urban/masks_png', 'Val/Rural/masks_png', 'Val/Urban/masks_png'],
  });
  assert.deepEqual([scanned.imagesWithoutMasks, scanned.masksWithoutImages], [[], []]);
  const { id } = await api.invoke('datasets:import', { name: 'loveda', imagesDir: loveda });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('datasets:get', { datasetId: id })).splitConfig?.from, 'folders', "LoveDA's own split");
  assert.deepEqual(await split(api, id), {
    'Train/Rural/1': 'train',
    'Train/Rural/2': 'train',
    'Train/Urban/3': 'train',
    'Val/Rural/4': 'val',
    'Val/Urban/5': 'val',
  });

  // DeepGlobe: train/104113_sat.jpg beside train/104113_mask.png, in one folder.
  const deepglobe = tempDir('segbench-deepglobe-');
  for (const n of [104113, 119, 855]) await pairAt(deepglobe, `train/${n}_sat.jpg`, `train/${n}_mask.png`, 1);
  assert.equal((await api.invoke('datasets:scan', { imagesDir: deepglobe })).pairs, 3);

  // LandCover.ai: images/ and masks/ of .tif with train.txt and val.txt beside them.
  const landcover = tempDir('segbench-landcover-');
  for (const n of ['M-33-7-A-d-2-3_0', 'M-33-7-A-d-2-3_1', 'N-34-97-D-c-2-4_5']) await pairAt(landcover, `images/${n}.tif`, `masks/${n}.tif`, 2);
  writeFileSync(join(landcover, 'train.txt'), 'M-33-7-A-d-2-3_0\nM-33-7-A-d-2-3_1\n');
  writeFileSync(join(landcover, 'val.txt'), 'N-34-97-D-c-2-4_5\n');
  const lc = await api.invoke('datasets:scan', { imagesDir: landcover });
  assert.equal(lc.pairs, 3);
  assert.deepEqual(lc.ignored, ['train.txt', 'val.txt']);
  const lcId = (await api.invoke('datasets:import', { name: 'landcover', imagesDir: landcover })).id;
  await services.jobs.whenIdle();
  await api.invoke('datasets:split', { datasetId: lcId, from: 'lists', listsDir: landcover });
  assert.deepEqual(await split(api, lcId), { 'M-33-7-A-d-2-3_0': 'train', 'M-33-7-A-d-2-3_1': 'train', 'N-34-97-D-c-2-4_5': 'val' });

  // Symbolic links: a linked area folder is followed; a link back to the root is reported, not looped.
  const linked = tempDir('segbench-linked-');
  mkdirSync(join(linked, 'Train'));
  symlinkSync(join(loveda, 'Train', 'Urban'), join(linked, 'Train', 'Urban'));
  symlinkSync(linked, join(linked, 'Train', 'again'));
  symlinkSync(join(linked, 'nowhere'), join(linked, 'Train', 'broken'));
  const withLinks = await api.invoke('datasets:scan', { imagesDir: linked });
  assert.equal(withLinks.pairs, 1);
  assert.deepEqual(withLinks.links, ['Train/again (a link back into a folder already listed)', 'Train/broken (a broken link)']);
});
