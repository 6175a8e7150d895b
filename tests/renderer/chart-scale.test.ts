import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataRange, nearestIndex, niceStep, niceTicks, resolveDomain } from '../../src-renderer/charts/chart-scale';

test('nice steps are 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(1, 5), 0.2);
  assert.equal(niceStep(0.37, 5), 0.1);
  assert.equal(niceStep(200, 5), 50);
  assert.equal(niceStep(7, 5), 1);
  assert.equal(niceStep(1.43, 5), 0.2);
  assert.equal(niceStep(0.0009, 5), 0.0002);
  assert.equal(niceStep(0, 5), 1);
});

test("domains: fixed ends stay, auto ends widen to a tick, data ends are the data's; flat data gets room", () => {
  assert.deepEqual(resolveDomain([0.13, 0.87], [0, 1]), [0, 1]);
  assert.deepEqual(resolveDomain([0.31, 1.74], [0, 'auto']), [0, 2]);
  assert.deepEqual(resolveDomain([0.31, 1.74], ['auto', 'auto']), [0.2, 1.8]);
  assert.deepEqual(resolveDomain([3, 17], ['dataMin', 'dataMax']), [3, 17]);
  assert.deepEqual(resolveDomain([5, 5], ['dataMin', 'dataMax']), [4.5, 5.5]);
  assert.deepEqual(resolveDomain(null, [0, 'auto']), [0, 1]);
  assert.deepEqual(resolveDomain([0.4, 0.4], [0, 1]), [0, 1]);
});

test('ticks fall on the step inside the domain; whole numbers for epochs', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.31, 1.74), [0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6]);
  assert.deepEqual(niceTicks(1, 3, 5, true), [1, 2, 3]);
  assert.deepEqual(niceTicks(1, 200, 5, true), [50, 100, 150, 200]);
});

test('data range skips nulls and non-numbers; nearest row by binary search', () => {
  const rows = [
    { a: 1, b: null },
    { a: Number.NaN, b: -2 },
    { a: 7, b: 3 },
  ];
  assert.deepEqual(dataRange(rows, ['a', 'b']), [-2, 7]);
  assert.equal(dataRange([{ a: null }], ['a']), null);
  const xs = [1, 2, 4, 8, 16];
  assert.deepEqual(
    [0, 1.4, 1.6, 5.9, 6.1, 100].map((x) => nearestIndex(xs, x)),
    [0, 0, 1, 2, 3, 4],
  );
  assert.equal(nearestIndex([], 3), -1);
});
