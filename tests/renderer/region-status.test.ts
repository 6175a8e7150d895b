import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterAccepting, regionStatus } from '../../src-renderer/pages/datasets/region-status';

/**
 * A 4x2 image, two suspect regions. Dataset classes: 0 No data (ignore), 1 Background, 2 Building;
 * training labels: 0 Background, 1 Building, 2 Road (no class of the dataset).
 *   regions   1 1 2 2      mask in effect  1 1 2 0      predicted labels  1 1 1 1
 *             1 0 2 2                      2 1 2 2                        1 0 2 1
 */
const regionOf = Int32Array.from([1, 1, 2, 2, 1, 0, 2, 2]);
const given = Uint8Array.from([1, 1, 2, 0, 2, 1, 2, 2]);
const predicted = Uint8Array.from([1, 1, 1, 1, 1, 0, 2, 1]);
const mapping = { positionOfLabel: [1, 2, -1], ignored: new Set([0]) };

test('issue 32 (3): a region whose pixels already carry the suggested class is done; the ignore class and labels the dataset lacks never count as left to change', () => {
  const status = regionStatus(regionOf, 2, given, predicted, mapping);
  // Region 1: two Background pixels predicted Building (pending), one Building pixel predicted Building.
  assert.deepEqual(status[0], { id: 1, pixels: 3, pending: 2, given: 1, predicted: 1 });
  // Region 2: Building predicted Building, an ignore pixel, a Road label, Building predicted Building: nothing left.
  assert.deepEqual(status[1], { id: 2, pixels: 4, pending: 0, given: 2, predicted: 1 });
});

test('issue 32 (3): the label after accepting one region or every region', () => {
  assert.deepEqual([...afterAccepting(regionOf, 1, given, predicted, mapping)], [2, 2, 2, 0, 2, 1, 2, 2]);
  assert.deepEqual([...afterAccepting(regionOf, 0, given, predicted, mapping)], [2, 2, 2, 0, 2, 1, 2, 2]);
  assert.deepEqual(
    regionStatus(regionOf, 2, afterAccepting(regionOf, 0, given, predicted, mapping), predicted, mapping).map((s) => s.pending),
    [0, 0],
  );
});
