import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countMaskValues } from '../../../src-shared/mask-values';

test('index masks: counts per value, runs and singles alike', () => {
  const mask = Uint8Array.from([0, 0, 0, 1, 2, 2, 0, 1, 1, 1]);
  assert.deepEqual(Object.fromEntries(countMaskValues(mask, 1, 10)!), { 0: 4, 1: 4, 2: 2 });
});

test('RGB and RGBA masks pack r<<16|g<<8|b, alpha ignored', () => {
  const rgb = Uint8Array.from([60, 16, 152, 60, 16, 152, 0, 0, 0, 255, 255, 255]);
  assert.deepEqual(Object.fromEntries(countMaskValues(rgb, 3, 10)!), { [0x3c1098]: 2, 0: 1, [0xffffff]: 1 });
  const rgba = Uint8Array.from([1, 2, 3, 255, 1, 2, 3, 0]);
  assert.deepEqual(Object.fromEntries(countMaskValues(rgba, 4, 10)!), { [0x010203]: 2 });
});

test('grey+alpha and 16-bit index masks use the first channel', () => {
  assert.deepEqual(Object.fromEntries(countMaskValues(Uint8Array.from([5, 255, 5, 255, 7, 0]), 2, 10)!), { 5: 2, 7: 1 });
  assert.deepEqual(Object.fromEntries(countMaskValues(Uint16Array.from([300, 300, 1000]), 1, 10)!), { 300: 2, 1000: 1 });
});

test('too many distinct values means not a class mask; an empty mask has no values', () => {
  const noisy = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
  assert.equal(countMaskValues(noisy, 1, 100), null);
  assert.deepEqual([...countMaskValues(new Uint8Array(0), 1, 10)!], []);
});
