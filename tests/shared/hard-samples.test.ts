import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultWeightTable, scoreImageCounts, weightForCount, weightTableSchema } from '../../src-shared/hard-samples';

test('the default hard-sample table: 0 -> 1, 1-2 -> 2, 3-4 -> 4, 5 or more -> 6', () => {
  const table: [number, number][] = [
    [0, 1],
    [1, 2],
    [2, 2],
    [3, 4],
    [4, 4],
    [5, 6],
    [9, 6],
  ];
  for (const [count, weight] of table) assert.equal(weightForCount(count, defaultWeightTable), weight, `count ${count}`);
  assert.equal(
    weightForCount(2, [
      [0, 1],
      [2, 10],
    ]),
    10,
  );
});

test('an image score: per-class IoU, mean over present classes, classes below the threshold', () => {
  // class 0 perfect, class 1 one third, class 2 absent from both, class 3 missed entirely
  const score = scoreImageCounts(
    [
      { tp: 10, fp: 0, fn: 0 },
      { tp: 1, fp: 1, fn: 1 },
      { tp: 0, fp: 0, fn: 0 },
      { tp: 0, fp: 0, fn: 4 },
    ],
    0.5,
  );
  assert.deepEqual(score.classIou, [1, 1 / 3, null, 0]);
  assert.equal(score.miou, (1 + 1 / 3 + 0) / 3);
  assert.equal(score.below, 2);
});

test('a weight table must start at 0 and increase', () => {
  assert.equal(weightTableSchema.safeParse(defaultWeightTable).success, true);
  assert.match(weightTableSchema.safeParse([[1, 2]]).error?.issues[0]?.message ?? '', /first row must start at 0/);
  assert.match(
    weightTableSchema.safeParse([
      [0, 1],
      [3, 2],
      [2, 4],
    ]).error?.issues[0]?.message ?? '',
    /must increase/,
  );
});

test('the highest confidence level with a wrong pixel, over images', async () => {
  const { highestWrongLevel, confidentlyWrong } = await import('../../src-shared/predictions');
  const { confidenceBins } = await import('../../src-shared/training');
  const bins = (hits: Record<number, number>) => Array.from({ length: confidenceBins }, (_, b) => hits[b] ?? 0);
  const images = [bins({ 8: 3 }), bins({ 14: 1, 2: 5 }), bins({})];
  // 20 bins of 0.05: bin 14 holds confidences from 0.70.
  assert.equal(highestWrongLevel(images), 0.7);
  assert.equal(confidentlyWrong(images[1]!, 0.7), 1);
  assert.equal(confidentlyWrong(images[1]!, 0.75), 0);
  assert.equal(highestWrongLevel([bins({})]), null);
});
