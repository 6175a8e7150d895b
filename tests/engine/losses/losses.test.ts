import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { classWeights } from '../../../src-shared/class-weights';
import { crossEntropy, crossEntropyDice, dice, focal, lovaszSoftmax } from '../../../src-main/engine/losses/losses';
import { getLoss } from '../../../src-main/engine/losses/registry';
import { distillationKl, distillationLoss, teacherTargets } from '../../../src-main/engine/losses/distill';
import { tf, wasmReady } from '../../helpers/tf';

before(wasmReady);

// Pixel a: logits [0, ln 3] -> softmax [0.25, 0.75], label 1. Pixel b: same logits, label 0.
// Pixel c: any logits, label 255 (ignored): must change nothing.
const ln3 = Math.log(3);
const logits = () => tf.tensor4d([0, ln3, 0, ln3, 9, -9], [1, 1, 3, 2]);
const labels = () => tf.tensor3d([1, 0, 255], [1, 1, 3], 'int32');
const value = (f: () => tf.Scalar): number => tf.tidy(() => f().dataSync()[0]!);
const close = (actual: number, expected: number, label: string) => assert.ok(Math.abs(actual - expected) < 1e-5, `${label}: ${actual} != ${expected}`);

test('known values: cross entropy, class-weighted, label smoothing, focal, Dice, CE+Dice, Lovasz', () => {
  const table: [string, () => tf.Scalar, number][] = [
    // -(ln 0.25 + ln 0.75) / 2
    ['cross entropy', () => crossEntropy(logits(), labels()), 0.8369882167858358],
    // weights [3, 1]: (3 * -ln 0.25 + 1 * -ln 0.75) / (3 + 1)
    ['class-weighted cross entropy', () => crossEntropy(logits(), labels(), { classWeights: [3, 1] }), 1.111641288952863],
    // label 1 with eps 0.1: -(0.05 ln 0.25 + 0.95 ln 0.75); label 0 mirrored; mean of both
    [
      'label smoothing 0.1',
      () => crossEntropy(logits(), labels(), { labelSmoothing: 0.1 }),
      (0.34261268688518637 + (0.05 * -Math.log(0.75) + 0.95 * -Math.log(0.25))) / 2,
    ],
    // gamma 2: (0.25^2 * -ln 0.75 + 0.75^2 * -ln 0.25) / 2
    ['focal gamma 2', () => focal(logits(), labels(), { focalGamma: 2 }), 0.3988853538290874],
    // class 0: (2*0.25+1)/(0.5+1+1) = 0.6; class 1: (2*0.75+1)/(1.5+1+1) = 5/7; mean of 1 - dice
    ['dice (smooth 1)', () => dice(logits(), labels()), 0.34285714285714286],
    ['ce + dice', () => crossEntropyDice(logits(), labels()), 0.8369882167858358 + 0.34285714285714286],
    // worked by hand in the commit note: class 0 gives 0.75, class 1 gives 0.5
    ['lovasz softmax', () => lovaszSoftmax(logits(), labels()), 0.625],
  ];
  for (const [label, loss, expected] of table) close(value(loss), expected, label);
});

test('a perfect, confident prediction has near-zero loss for every loss', () => {
  const sure = () => tf.tensor4d([-20, 20, 20, -20], [1, 1, 2, 2]);
  const truth = () => tf.tensor3d([1, 0], [1, 1, 2], 'int32');
  for (const name of ['ce', 'focal', 'dice', 'ce-dice', 'lovasz']) {
    const loss = value(() => getLoss(name)(sure(), truth(), {}));
    assert.ok(loss < 1e-3, `${name}: ${loss}`);
  }
});

test('only ignored pixels: every loss is 0, not NaN', () => {
  const all = () => tf.tensor3d([255, 255], [1, 1, 2], 'int32');
  for (const name of ['ce', 'focal', 'dice', 'ce-dice', 'lovasz']) {
    assert.equal(
      value(() => getLoss(name)(tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]), all(), {})),
      0,
      name,
    );
  }
});

test('losses leave no tensor behind, in the forward pass and in their gradients', () => {
  const x = tf.variable(tf.randomNormal([2, 4, 4, 3]));
  const y = tf.randomUniform([2, 4, 4], 0, 3, 'int32');
  const before = tf.memory().numTensors;
  for (const name of ['ce', 'focal', 'dice', 'ce-dice', 'lovasz']) {
    const { value: loss, grads } = tf.variableGrads(() => getLoss(name)(x, y, { classWeights: [1, 2, 3] }), [x]);
    tf.dispose([loss, ...Object.values(grads)]);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test('class weights from counts: inverse frequency and median frequency', () => {
  const counts = [100, 300, 0, 600];
  const round = (w: number[]) => w.map((x) => Number(x.toFixed(6)));
  // 1/freq = [10, 3.333, -, 1.667], mean 5 over present classes
  assert.deepEqual(round(classWeights(counts, 'inverse')), [2, 0.666667, 0, 0.333333]);
  // median of [0.1, 0.3, 0.6] is 0.3
  assert.deepEqual(round(classWeights(counts, 'median')), [3, 1, 0, 0.5]);
  assert.deepEqual(classWeights(counts, 'none'), [1, 1, 1, 1]);
});

test('an unknown loss lists the valid ones', () => {
  assert.throws(() => getLoss('bce'), { code: 'VALIDATION', message: 'Unknown loss "bce". Valid losses: ce, focal, dice, ce-dice, lovasz.' });
});

test('distillation: known value of alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE, ignored pixels left out', () => {
  // T = 2. Teacher logits [2 ln 3, 0] -> teacher_T [0.75, 0.25]; student logits [0, 2 ln 3] ->
  // student_T [0.25, 0.75]. KL = 0.75 ln 3 + 0.25 ln(1/3) = 0.5 ln 3; times T^2 = 2 ln 3.
  // Hard CE at T = 1: student softmax [0.1, 0.9]; labels 1 and 0 -> (-ln 0.9 - ln 0.1) / 2.
  // The third pixel is ignored: its (very different) teacher and student must change nothing.
  const teacherLogits = () => tf.tensor4d([2 * ln3, 0, 2 * ln3, 0, -9, 9], [1, 1, 3, 2]);
  const studentLogits = () => tf.tensor4d([0, 2 * ln3, 0, 2 * ln3, 9, -9], [1, 1, 3, 2]);
  const identity = () =>
    tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
  const kl = value(() => distillationKl(studentLogits(), teacherTargets(teacherLogits(), identity(), 2), labels(), 2));
  close(kl, 2 * ln3, 'T^2 KL');
  const hard = (-Math.log(0.9) - Math.log(0.1)) / 2;
  const total = value(() =>
    distillationLoss(crossEntropy(studentLogits(), labels()), studentLogits(), teacherTargets(teacherLogits(), identity(), 2), labels(), 0.7, 2),
  );
  close(total, 0.7 * 2 * ln3 + 0.3 * hard, 'KD loss');
  close(0.7 * 2 * ln3 + 0.3 * hard, 1.899249, 'the literal');
  // alpha 0 is the hard loss alone; a student equal to its teacher has KL 0.
  close(
    value(() => distillationLoss(crossEntropy(studentLogits(), labels()), studentLogits(), teacherTargets(teacherLogits(), identity(), 2), labels(), 0, 2)),
    hard,
    'alpha 0',
  );
  close(
    value(() => distillationKl(teacherLogits(), teacherTargets(teacherLogits(), identity(), 2), labels(), 2)),
    0,
    'KL of equals',
  );
});

test('distillation: teacher targets through a splitting class matrix, and the KD gradient reaches the student only', () => {
  // Teacher [Land, Grass] -> student [Land, Grassland, SemiNatural], Grass split 70/30.
  const matrix = () =>
    tf.tensor2d([
      [1, 0, 0],
      [0, 0.7, 0.3],
    ]);
  const targets = tf.tidy(() => Array.from(teacherTargets(tf.tensor4d([ln3, 0], [1, 1, 1, 2]), matrix(), 1).dataSync()));
  targets.forEach((v, i) => close(v, [0.75, 0.175, 0.075][i]!, `target ${i}`));
  const before = tf.memory().numTensors;
  const grad = tf.tidy(() => {
    const soft = teacherTargets(tf.tensor4d([ln3, 0], [1, 1, 1, 2]), matrix(), 1);
    const g = tf.grad((s: tf.Tensor) => distillationKl(s, soft, tf.tensor3d([0], [1, 1, 1], 'int32'), 1))(tf.tensor4d([0, 0, 0], [1, 1, 1, 3]));
    return Array.from(g.dataSync());
  });
  // d KL / d logits = softmax(student) - targets = 1/3 - target, per class.
  grad.forEach((v, i) => close(v, 1 / 3 - [0.75, 0.175, 0.075][i]!, `grad ${i}`));
  assert.equal(tf.memory().numTensors, before);
});

test('Lovasz gradient (custom, sorted on the device) matches central finite differences', () => {
  const shape: [number, number, number, number] = [1, 3, 4, 3];
  const base = Array.from({ length: 36 }, (_, i) => Math.sin(i * 1.7) * 2);
  const y = tf.tensor3d([0, 1, 2, 1, 255, 0, 2, 2, 1, 0, 0, 1], [1, 3, 4], 'int32');
  const loss = (values: number[]) => tf.tidy(() => lovaszSoftmax(tf.tensor4d(values, shape), y).dataSync()[0]!);
  const analytic = tf.tidy(() =>
    tf
      .grad((x: tf.Tensor) => lovaszSoftmax(x, y))(tf.tensor4d(base, shape))
      .dataSync(),
  );
  const eps = 1e-3;
  let worst = 0;
  for (let i = 0; i < base.length; i += 1) {
    const up = [...base];
    const down = [...base];
    up[i]! += eps;
    down[i]! -= eps;
    const numeric = (loss(up) - loss(down)) / (2 * eps);
    worst = Math.max(worst, Math.abs(numeric - analytic[i]!));
  }
  // The ignored pixel (index 4) gets no gradient at all.
  assert.deepEqual(Array.from(analytic.slice(12, 15)), [0, 0, 0]);
  assert.ok(worst < 2e-3, `worst difference ${worst}`);
  y.dispose();
});
