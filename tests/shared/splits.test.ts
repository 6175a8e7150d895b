import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignSplits, groupKey, splitRequestSchema } from '../../src-shared/splits';

const stems = Array.from({ length: 72 }, (_, i) => `tile${Math.floor(i / 9) + 1}_image_part_00${(i % 9) + 1}`);

test('the same seed gives the same split; another seed another one', () => {
  const a = assignSplits(stems, { train: 0.8, val: 0.2, test: 0 }, 42);
  assert.deepEqual(assignSplits(stems, { train: 0.8, val: 0.2, test: 0 }, 42), a);
  assert.notDeepEqual(assignSplits(stems, { train: 0.8, val: 0.2, test: 0 }, 7), a);
  const val = a.filter((s) => s === 'val').length;
  assert.ok(Math.abs(val - 14.4) <= 1, `val ${val}`);
});

test('grouped by ^(tile\\d+)_ no tile straddles two splits, and the ratio is met in whole tiles', () => {
  const splits = assignSplits(stems, { train: 0.7, val: 0.2, test: 0.1 }, 3, /^(tile\d+)_/);
  const byTile = new Map<string, Set<string>>();
  stems.forEach((stem, i) => {
    const tile = groupKey(stem, /^(tile\d+)_/);
    byTile.set(tile, (byTile.get(tile) ?? new Set()).add(splits[i]!));
  });
  assert.equal(byTile.size, 8);
  for (const [tile, set] of byTile) assert.equal(set.size, 1, `${tile} is in ${[...set].join(', ')}`);
  const count = (name: string) => splits.filter((s) => s === name).length;
  assert.deepEqual([count('train'), count('val'), count('test')], [45, 18, 9]);
});

test('a validation split never ends up empty while there are two groups', () => {
  const splits = assignSplits(['a_1', 'a_2', 'a_3', 'b_1', 'b_2', 'b_3'], { train: 0.9, val: 0.1, test: 0 }, 1, /^(\w)_/);
  assert.equal(splits.filter((s) => s === 'val').length, 3);
});

test('ratios must add up to 1 and leave room for validation', () => {
  const bad = splitRequestSchema.safeParse({ datasetId: 'd', train: 0.8, val: 0.3 });
  assert.match(bad.error?.issues.map((i) => i.message).join() ?? '', /must add up to 1/);
  const noVal = splitRequestSchema.safeParse({ datasetId: 'd', train: 1, val: 0 });
  assert.match(noVal.error?.issues.map((i) => i.message).join() ?? '', /val must be above 0/);
});

test('the scene pattern is found in tile names, not in plain numbers or ids without a running number', async () => {
  const { detectScenePattern, scenesBySplit, scenePatternSource } = await import('../../src-shared/splits');
  const dubai = ['tile1_image_part_001', 'tile1_image_part_002', 'tile2_image_part_001', 'tile2_image_part_002', 'tile8_image_part_003'];
  assert.equal(detectScenePattern(dubai), scenePatternSource);
  assert.equal(groupKey('tile1_image_part_001', new RegExp(scenePatternSource)), 'tile1');
  assert.equal(groupKey('austin12_003', new RegExp(scenePatternSource)), 'austin12');
  assert.equal(detectScenePattern(['1234', '1235', '1300', '2001']), null, 'LoveDA: numbers only');
  assert.equal(detectScenePattern(['104113_sat', '10452_sat', '999_sat']), null, 'DeepGlobe: no running number');
  assert.equal(detectScenePattern(['sample_0001', 'sample_0002', 'sample_0003']), null, 'one scene is no scene split');

  const split = scenesBySplit(
    [
      { stem: 'tile1_image_part_001', split: 'train' },
      { stem: 'tile1_image_part_002', split: 'val' },
      { stem: 'tile2_image_part_001', split: 'train' },
      { stem: 'tile10_image_part_001', split: 'val' },
      { stem: 'tile3_image_part_001', split: null },
    ],
    scenePatternSource,
  );
  assert.deepEqual(split.groups, [
    { group: 'tile1', images: 2, splits: ['train', 'val'] },
    { group: 'tile2', images: 1, splits: ['train'] },
    { group: 'tile10', images: 1, splits: ['val'] },
  ]);
  assert.deepEqual(split.leaking, ['tile1']);
});
