import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDiff, flatten } from '../../src-renderer/pages/compare/config-diff';

test('config diff shows only the keys that differ, as dot paths', () => {
  assert.deepEqual(flatten({ a: 1, b: { c: 'x', d: [1, 2] } }), { a: '1', 'b.c': '"x"', 'b.d': '[1,2]' });
  const diff = configDiff([
    { datasetId: 'a', epochs: 10, optimizer: { name: 'adam', lr: 0.001 }, loss: { name: 'ce' } },
    { datasetId: 'b', epochs: 10, optimizer: { name: 'adam', lr: 0.0003 }, loss: { name: 'ce-dice' } },
  ]);
  assert.deepEqual(diff, [
    { key: 'loss.name', values: ['"ce"', '"ce-dice"'] },
    { key: 'optimizer.lr', values: ['0.001', '0.0003'] },
  ]);
});
