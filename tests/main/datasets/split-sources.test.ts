import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  const stems = ['tile1_image_part_001', 'tile1_image_part_002', 'tile2_image_part_001', 'tile3_image_part_001', 'tile4_image_part_001'];
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
  assert.equal((await split(api, id)).tile4_image_part_001, null);
  assert.match(dataset.splitConfig?.note ?? '', /lists train\.txt \(3\), valid\.txt \(2\); 1 images in no list \(unassigned\); 1 list entries name no image/);

  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'lists', listsDir: join(lists, 'nope') }), { code: 'VALIDATION', message: /cannot be read/ });
  const onlyTrain = tempDir('segbench-lists-');
  writeFileSync(join(onlyTrain, 'train.txt'), stems.join('\n'));
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'lists', listsDir: onlyTrain }), { code: 'VALIDATION', message: /The lists give no validation image: lists train\.txt \(5\)/ });
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
  assert.deepEqual(await split(api, id), { tile1_image_part_001: 'train', tile1_image_part_002: 'test', tile2_image_part_001: 'val', tile3_image_part_001: 'train' });
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '^tile9_' }), { code: 'VALIDATION', message: /valPattern \^tile9_ matches no image name/ });
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, from: 'patterns', valPattern: '(' }), { code: 'VALIDATION', message: /valPattern is not a valid regular expression/ });
});

test('issue 27 F2: a catastrophic pattern, (a+)+$ against 27 a\'s, is matched in linear time by the service and the CLI; RE2 refuses lookaround with the reason', { timeout: 120_000 }, async () => {
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
  const cli = spawnSync(process.execPath, ['src-main/cli/segbench.cjs', 'split', '--dataset', 'redos', '--val-pattern', '(a+)+_[13]$', '--data-dir', services.dataDir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(Object.values(await split(api, id)).sort(), ['train', 'val', 'val']);
});
