import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unknownClass } from '../../src-renderer/components/mask/class-map';
import { falseNegativeColour, falsePositiveColour, pairColour, paintErrors } from '../../src-renderer/pages/inspect/error-map';

const X = unknownClass;
// Six pixels: correct 0, truth 0 -> 1, truth 1 -> 0, truth 2 -> 1, ignored (predicted 1), correct 2.
const truth = Uint8Array.from([0, 0, 1, 2, X, 2]);
const prediction = Uint8Array.from([0, 1, 0, 1, 1, 2]);
const colours = [0xff0000, 0x00ff00, 0x0000ff];
const rgba = (out: Uint8ClampedArray, p: number) => [...out.subarray(p * 4, p * 4 + 4)];

test('errors by true class: correct and ignored pixels stay clear, each error has its true class colour', () => {
  const out = new Uint8ClampedArray(6 * 4);
  const counts = paintErrors(truth, prediction, { kind: 'by-true-class' }, colours, out);
  assert.deepEqual(counts, { labelled: 5, errors: 3, shown: 3, falsePositives: 0, falseNegatives: 0 });
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((p) => rgba(out, p)),
    [
      [0, 0, 0, 0],
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ],
  );
});

test('one class: its false positives and false negatives, in their own colours', () => {
  const out = new Uint8ClampedArray(6 * 4);
  const counts = paintErrors(truth, prediction, { kind: 'class', label: 1 }, colours, out);
  // Class 1: predicted at pixels 1 and 3 where the truth is not 1 (FP); truth 1 at pixel 2 predicted 0 (FN).
  assert.deepEqual(counts, { labelled: 5, errors: 3, shown: 3, falsePositives: 2, falseNegatives: 1 });
  assert.deepEqual(rgba(out, 1), [...falsePositiveColour, 255]);
  assert.deepEqual(rgba(out, 2), [...falseNegativeColour, 255]);
  assert.deepEqual(rgba(out, 4), [0, 0, 0, 0], 'an ignored pixel is never an error');
});

test('a confusion pair shows only the pixels of that truth predicted as that class', () => {
  const out = new Uint8ClampedArray(6 * 4);
  const counts = paintErrors(truth, prediction, { kind: 'pair', truth: 2, predicted: 1 }, colours, out);
  assert.equal(counts.shown, 1);
  assert.deepEqual(rgba(out, 3), [...pairColour, 255]);
  assert.deepEqual(rgba(out, 1), [0, 0, 0, 0]);
});

test('the class toggles hide the errors of a hidden true class; they still count', () => {
  const out = new Uint8ClampedArray(6 * 4);
  const counts = paintErrors(truth, prediction, { kind: 'by-true-class' }, colours, out, new Set([0]));
  assert.deepEqual(counts, { labelled: 5, errors: 3, shown: 2, falsePositives: 0, falseNegatives: 0 });
  assert.deepEqual(rgba(out, 1), [0, 0, 0, 0], 'truth 0 is hidden');
  assert.deepEqual(rgba(out, 2), [0, 255, 0, 255]);
});
