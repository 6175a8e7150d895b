import assert from 'node:assert/strict';
import { test } from 'node:test';
import { count } from '../../src-shared/words';

test('count: one image, never "1 images"; thousands grouped; irregular plurals given', () => {
  assert.equal(count(1, 'image'), '1 image');
  assert.equal(count(0, 'image'), '0 images');
  assert.equal(count(12000, 'image'), '12,000 images');
  assert.equal(count(1, 'class', 'classes'), '1 class');
  assert.equal(count(6, 'class', 'classes'), '6 classes');
  assert.equal(count(1, 'val image'), '1 val image');
});
