import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classMatrixProblem, defaultClassMatrix, mapProbabilities, softmaxAt, teacherInputProblem } from '../../src-shared/distill';
import { distillSchema } from '../../src-shared/distill';

test('default class matrix: identity by name, in the student order; a teacher class without a namesake is refused by name', () => {
  assert.deepEqual(defaultClassMatrix(['Water', 'Forest'], ['Forest', 'Road', 'Water']), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.throws(
    () => defaultClassMatrix(['Water', 'Grass'], ['Water', 'Road']),
    /teacher class "Grass" has no student class of that name \(student classes: Water, Road\)/,
  );
});

test('class matrix: rows must sum to 1 and match the class counts; the message names each bad row', () => {
  const teacher = ['Land', 'Grass'];
  const student = ['Land', 'Grassland', 'SemiNatural'];
  assert.equal(
    classMatrixProblem(
      [
        [1, 0, 0],
        [0, 0.7, 0.3],
      ],
      teacher,
      student,
    ),
    null,
  );
  assert.equal(
    classMatrixProblem(
      [
        [1, 0, 0],
        [0, 0.7, 0.2],
      ],
      teacher,
      student,
    ),
    'row "Grass" sums to 0.9. Each row must sum to 1 (the share of that teacher class each student class gets).',
  );
  assert.match(classMatrixProblem([[1, 0, 0]], teacher, student)!, /has 1 rows; it needs one per teacher class \(2: Land, Grass\)/);
  assert.match(
    classMatrixProblem(
      [
        [1, 0],
        [0, 1],
      ],
      teacher,
      student,
    )!,
    /row "Land" has 2 columns; it needs one per student class \(3: Land, Grassland, SemiNatural\)/,
  );
  assert.match(
    classMatrixProblem(
      [
        [1.5, -0.5, 0],
        [0, 0.7, 0.3],
      ],
      teacher,
      student,
    )!,
    /row "Land" has a negative/,
  );
  // Values above 1 are refused by the schema before the sums are looked at.
  assert.equal(distillSchema.safeParse({ teacherRunId: 'r', matrix: [[1.2, 0]] }).success, false);
});

test('a split teacher class carries its probability to the student classes by the matrix; the result still sums to 1', () => {
  const mapped = mapProbabilities(
    [0.75, 0.25],
    [
      [1, 0, 0],
      [0, 0.7, 0.3],
    ],
  );
  assert.deepEqual(
    mapped.map((v) => Number(v.toFixed(12))),
    [0.75, 0.175, 0.075],
  );
  assert.ok(Math.abs(mapped.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  // Temperature softens: logits [2 ln 3, 0] at T = 2 give [0.75, 0.25].
  const soft = softmaxAt([2 * Math.log(3), 0], 2);
  assert.ok(Math.abs(soft[0]! - 0.75) < 1e-12 && Math.abs(soft[1]! - 0.25) < 1e-12);
});

test('defaults are alpha 0.7 and T 2; out-of-range values are refused', () => {
  assert.deepEqual(distillSchema.parse({ teacherRunId: 'r' }), { teacherRunId: 'r', alpha: 0.7, temperature: 2 });
  assert.equal(distillSchema.safeParse({ teacherRunId: 'r', alpha: 1.5 }).success, false);
  assert.equal(distillSchema.safeParse({ teacherRunId: 'r', temperature: 0 }).success, false);
});

test('teacher input check: size and band count must match the student', () => {
  assert.equal(teacherInputProblem([null, 64, 64, 3], [null, 64, 64, 3]), null);
  assert.match(teacherInputProblem([null, 128, 128, 3], [null, 64, 64, 3])!, /its input size is 128x128, the student's 64x64/);
  assert.match(teacherInputProblem([null, 64, 64, 4], [null, 64, 64, 3])!, /it takes 4 bands, the student 3/);
});
