import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src-shared/random';

test('the generator is pinned: a stored seed must give the same split in every later version', () => {
  // Values recorded from this implementation; if they change, users' splits silently reshuffle.
  const random = mulberry32(1);
  assert.deepEqual(
    [random(), random()].map((x) => x.toFixed(8)),
    ['0.62707394', '0.00273572'],
  );
  const values = Array.from({ length: 10_000 }, mulberry32(99));
  assert.ok(values.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(values.reduce((a, b) => a + b) / values.length - 0.5) < 0.01);
});
