import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lttb } from '../../src-shared/lttb';

const px = (p: [number, number]) => p[0];
const py = (p: [number, number]) => p[1];

test('LTTB keeps the ends and the spikes, and never returns more points than asked', () => {
  const points: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i, Math.sin(i / 500)]);
  points[31_337] = [31_337, 50];
  points[77_000] = [77_000, -40];
  const down = lttb(points, 800, px, py);
  assert.equal(down.length, 800);
  assert.deepEqual(down[0], points[0]);
  assert.deepEqual(down.at(-1), points.at(-1));
  assert.ok(down.some((p) => p[1] === 50) && down.some((p) => p[1] === -40), 'spikes survive');
  for (let i = 1; i < down.length; i += 1) assert.ok(down[i]![0] > down[i - 1]![0], 'x stays increasing');
});

test('short series are returned whole', () => {
  const points: [number, number][] = [
    [0, 1],
    [1, 2],
    [2, 3],
  ];
  assert.deepEqual(lttb(points, 10, px, py), points);
});
