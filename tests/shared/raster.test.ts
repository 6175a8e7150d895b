import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coveredPixels, rasterizeRegion } from '../../src-shared/raster';
import { redoTarget, undoTarget } from '../../src-shared/revisions';

const rows = (raster: Uint8Array, width: number): string[] =>
  Array.from({ length: raster.length / width }, (_, y) => Array.from(raster.subarray(y * width, (y + 1) * width)).join(''));

test('a polygon covers exactly the pixels whose centres lie inside it', () => {
  // The square (1,1)-(3,3) holds the centres of pixels x,y in {1,2}.
  const square = rasterizeRegion({ polygons: [[1, 1, 3, 1, 3, 3, 1, 3]], strokes: [] }, 5, 4);
  assert.deepEqual(rows(square, 5), ['00000', '01100', '01100', '00000']);
  // A right triangle (0,0),(4,0),(0,4): centres with x + y < 4 - 1 (x+0.5 + y+0.5 < 4).
  const triangle = rasterizeRegion({ polygons: [[0, 0, 4, 0, 0, 4]], strokes: [] }, 4, 4);
  assert.deepEqual(rows(triangle, 4), ['1110', '1100', '1000', '0000']);
  // Clipped to the image: a polygon beyond the edges covers the whole 3x2 image.
  assert.equal(coveredPixels(rasterizeRegion({ polygons: [[-5, -5, 10, -5, 10, 10, -5, 10]], strokes: [] }, 3, 2)), 6);
});

test('a brush stroke covers the centres within its radius of the path', () => {
  // A dot of radius 1 at (2.5, 2.5): the centre pixel and its 4 neighbours (distance 1), not the diagonals (1.41).
  const dot = rasterizeRegion({ polygons: [], strokes: [{ radius: 1, points: [2.5, 2.5] }] }, 5, 5);
  assert.deepEqual(rows(dot, 5), ['00000', '00100', '01110', '00100', '00000']);
  // A horizontal line of radius 0.5 along y = 1.5 from x = 0.5 to 3.5: row 1, pixels 0..3.
  const line = rasterizeRegion({ polygons: [], strokes: [{ radius: 0.5, points: [0.5, 1.5, 3.5, 1.5] }] }, 5, 3);
  assert.deepEqual(rows(line, 5), ['00000', '11110', '00000']);
});

test('undo follows the parent; redo leads to the newest revision made on the current one', () => {
  // original <- 1 <- 2, then undo to 1 and a new revision 3 on 1.
  const items = [
    { id: 1, parentId: null },
    { id: 2, parentId: 1 },
    { id: 3, parentId: 1 },
  ];
  assert.equal(undoTarget(items, null), undefined);
  assert.equal(undoTarget(items, 1), null);
  assert.equal(undoTarget(items, 3), 1);
  assert.equal(redoTarget(items, null), 1);
  assert.equal(redoTarget(items, 1), 3);
  assert.equal(redoTarget(items, 3), undefined);
});
