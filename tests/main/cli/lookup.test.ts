import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickByName } from '../../../src-main/cli/lookup';

const datasets = [
  { id: 'a1b2c3', name: 'Sample: synthetic land cover' },
  { id: 'd4e5f6', name: 'dubai' },
  { id: 'd7e8f9', name: 'dubai corrected' },
];
const pick = (text: string) => pickByName(datasets, text, 'dataset', 'Import one.').id;

test('a dataset or run is named by id, exact name or a unique case-insensitive prefix', () => {
  assert.equal(pick('d7e8f9'), 'd7e8f9');
  assert.equal(pick('DUBAI'), 'd4e5f6', 'an exact name wins over the longer name it starts');
  assert.equal(pick('sample'), 'a1b2c3');
  assert.equal(pick('dubai c'), 'd7e8f9');
  assert.equal(pick('a1b'), 'a1b2c3', 'an id prefix');
});

test('an ambiguous prefix lists the candidates; an unknown name lists what exists', () => {
  assert.throws(() => pick('d'), {
    code: 'VALIDATION',
    message: /^"d" fits 2 datasets: "dubai" \(d4e5f6\), "dubai corrected" \(d7e8f9\)\. Give more of the name, or the id\.$/,
  });
  assert.throws(() => pick('nope'), { code: 'NOT_FOUND', message: 'No dataset "nope". Known: "Sample: synthetic land cover", "dubai", "dubai corrected".' });
  assert.throws(() => pickByName([], 'x', 'run', 'Train one.'), { message: 'No run "x". Train one.' });
});
