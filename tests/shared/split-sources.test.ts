import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasFolderSplit, splitOfName, splitsFromFolders, splitsFromLists, splitsFromPatterns } from '../../src-shared/splits';

test('folder and list names that mean a split, with their synonyms and any case', () => {
  const table: [string, string | null][] = [
    ['Train', 'train'],
    ['training', 'train'],
    ['Val', 'val'],
    ['valid', 'val'],
    ['Validation', 'val'],
    ['test', 'test'],
    ['TESTING', 'test'],
    ['train.txt', 'train'],
    ['val_list.txt', 'val'],
    ['test-images.csv', 'test'],
    ['Rural', null],
    ['images', null],
    ['trainval', null],
  ];
  assert.deepEqual(
    table.map(([name]) => [name, splitOfName(name)]),
    table,
  );
});

test('splits from folders: the first folder in the path that names a split; outside any, unassigned', () => {
  const stems = ['Train/Rural/1366', 'Val/Urban/3514', 'valid/104113', 'test/a', 'extra/b', 'flat'];
  assert.deepEqual(splitsFromFolders(stems), ['train', 'val', 'val', 'test', null, null]);
  assert.equal(hasFolderSplit(stems), true);
  assert.equal(hasFolderSplit(['train/a', 'train/b']), false, 'a training folder alone is no split');
  assert.equal(hasFolderSplit(['tile1_image_part_001']), false);
});

test('splits from lists: by name without folder or extension, any case; in no list unassigned; in two reported', () => {
  const stems = ['M-33-20-D-c-4-2_0', 'M-33-20-D-c-4-2_1', 'N-34-61-B-a-1-1_7', 'other'];
  const { splits, inTwo, unmatched } = splitsFromLists(stems, [
    { split: 'train', entries: ['M-33-20-D-c-4-2_0', 'output/N-34-61-B-a-1-1_7.jpg', ''] },
    { split: 'val', entries: ['m-33-20-d-c-4-2_1.tif', 'missing_tile'] },
    { split: 'test', entries: ['N-34-61-B-a-1-1_7'] },
  ]);
  assert.deepEqual(splits, ['train', 'val', 'test', null]);
  assert.deepEqual(inTwo, ['n-34-61-b-a-1-1_7']);
  assert.equal(unmatched, 1, 'missing_tile names no image');
});

test('splits from patterns: validation first, then test, the rest training', () => {
  assert.deepEqual(splitsFromPatterns(['a_test_1', 'a_val_2', 'a_3', 'a_val_test'], /_val_/, /_test_/), ['test', 'val', 'train', 'val']);
  assert.deepEqual(splitsFromPatterns(['x1', 'x2'], /2$/), ['train', 'val']);
});
