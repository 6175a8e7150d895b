import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countsFromConfusion, f1, iou, meanOf, overallAccuracy, precision, recall, summarize } from '../../src-shared/metrics';

const close = (actual: number | null, expected: number | null, label = ''): void => {
  if (expected === null) return assert.equal(actual, null, label);
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${label}: ${actual} != ${expected}`);
};

test('known values: perfect overlap 1, half overlap 1/3, no overlap 0, absent from both null', () => {
  const table: [string, { tp: number; fp: number; fn: number }, number | null, number | null][] = [
    ['perfect', { tp: 4, fp: 0, fn: 0 }, 1, 1],
    ['half overlap (2 px each, 1 shared)', { tp: 1, fp: 1, fn: 1 }, 1 / 3, 1 / 2],
    ['disjoint', { tp: 0, fp: 3, fn: 2 }, 0, 0],
    ['absent from truth and prediction', { tp: 0, fp: 0, fn: 0 }, null, null],
  ];
  for (const [label, counts, expectedIou, expectedF1] of table) {
    close(iou(counts), expectedIou, `${label} IoU`);
    close(f1(counts), expectedF1, `${label} F1`);
  }
  close(precision({ tp: 3, fp: 1, fn: 0 }), 0.75);
  close(recall({ tp: 3, fp: 0, fn: 1 }), 0.75);
  close(precision({ tp: 0, fp: 0, fn: 5 }), null, 'never predicted');
});

test('confusion matrix to counts: rows are truth, columns prediction', () => {
  // truth\pred   0  1  2
  //    0         5  1  0
  //    1         2  3  0
  //    2         0  0  0   (class 2 absent everywhere)
  const counts = countsFromConfusion([5, 1, 0, 2, 3, 0, 0, 0, 0], 3);
  assert.deepEqual(counts, [
    { tp: 5, fp: 2, fn: 1 },
    { tp: 3, fp: 1, fn: 2 },
    { tp: 0, fp: 0, fn: 0 },
  ]);
  const summary = summarize(counts);
  close(summary.perClass[0]!.iou, 5 / 8);
  close(summary.perClass[1]!.iou, 3 / 6);
  assert.equal(summary.perClass[2]!.iou, null);
  // mIoU leaves the absent class out instead of counting it as 0: (5/8 + 1/2) / 2, not / 3.
  close(summary.miou, (5 / 8 + 1 / 2) / 2);
  close(summary.accuracy, 8 / 11);
});

test('the ignore class is excluded from means and accuracy', () => {
  const counts = [
    { tp: 10, fp: 0, fn: 0 },
    { tp: 0, fp: 0, fn: 10 },
  ];
  close(meanOf([1, 0]), 0.5);
  close(meanOf([1, 0], new Set([1])), 1);
  close(overallAccuracy(counts, new Set([1])), 1);
  close(overallAccuracy(counts), 0.5);
  assert.equal(meanOf([null, null]), null);
});
