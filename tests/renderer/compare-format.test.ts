import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pointsText } from '../../src-renderer/pages/compare/format';

test('IoU differences carry their unit, percentage points', () => {
  assert.equal(pointsText(-0.043), '-4.3 points');
  assert.equal(pointsText(0.1), '+10.0 points');
  assert.equal(pointsText(0.01), '+1.0 point');
  assert.equal(pointsText(0), '+0.0 points');
});
