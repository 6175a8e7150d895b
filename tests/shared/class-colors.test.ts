import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classColorsFor, fallbackClassColors, luminance, needsOutline } from '../../src-shared/class-colors';

test('classes take the dataset colour of their name, in the run order; a class the dataset lacks gets a fallback', () => {
  const dataset = [
    { name: 'Land', color: '#8429f6' },
    { name: 'Road', color: '#6ec1e4' },
  ];
  assert.deepEqual(classColorsFor(['Road', 'Land', 'Gone'], dataset), ['#6ec1e4', '#8429f6', fallbackClassColors[2]]);
});

test('luminance and the outline rule, by known values', () => {
  assert.equal(luminance('#000000'), 0);
  assert.equal(luminance('#ffffff'), 1);
  assert.ok(Math.abs(luminance('#808080')! - 0.2159) < 1e-4);
  assert.equal(luminance('red'), null);
  // White, pale yellow and light grey are unreadable on white; Dubai's purple land and blue road are not.
  assert.deepEqual(['#ffffff', '#fefe22', '#dddddd', '#8429f6', '#6ec1e4', '#000000'].map(needsOutline), [true, true, true, false, false, false]);
});
