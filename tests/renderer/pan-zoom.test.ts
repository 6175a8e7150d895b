import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zoomAround } from '../../src-renderer/hooks/usePanZoom';

test('zooming keeps the image point under the cursor where it is', () => {
  const view = { x: 10, y: 20, scale: 1 };
  const next = zoomAround(view, 110, 70, -500);
  // Image point under the cursor before: ((110 - 10) / 1, (70 - 20) / 1) = (100, 50).
  assert.ok(Math.abs((110 - next.x) / next.scale - 100) < 1e-9 && Math.abs((70 - next.y) / next.scale - 50) < 1e-9);
  assert.ok(next.scale > 1);
  assert.equal(zoomAround({ x: 0, y: 0, scale: 32 }, 0, 0, -1000).scale, 32, 'capped at 32x');
});
