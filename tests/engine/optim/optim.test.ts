import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { runConfigSchema } from '../../../src-shared/run-config';
import { Optimizer, clipByGlobalNorm } from '../../../src-main/engine/optim/optimizer';
import { PlateauTracker, learningRate } from '../../../src-main/engine/optim/schedule';
import { tf, wasmReady } from '../../helpers/tf';

before(wasmReady);

const close = (a: number, b: number, label = '') => assert.ok(Math.abs(a - b) < 1e-6, `${label}: ${a} != ${b}`);
const schedule = (patch: Partial<ReturnType<typeof runConfigSchema.parse>['schedule']>) => ({
  ...runConfigSchema.parse({ datasetId: 'd' }).schedule,
  ...patch,
});

test('learning-rate schedules at known epochs', () => {
  const table: [string, ReturnType<typeof schedule>, number, number][] = [
    ['constant', schedule({ name: 'constant' }), 7, 0.1],
    ['step 10, gamma 0.1, epoch 9.9', schedule({ name: 'step', stepEvery: 10, gamma: 0.1 }), 9.9, 0.1],
    ['step 10, gamma 0.1, epoch 25', schedule({ name: 'step', stepEvery: 10, gamma: 0.1 }), 25, 0.001],
    ['cosine half way', schedule({ name: 'cosine', minLr: 0 }), 50, 0.05],
    ['cosine end', schedule({ name: 'cosine', minLr: 0.001 }), 100, 0.001],
    ['onecycle start = lr/25', schedule({ name: 'onecycle' }), 0, 0.004],
    ['onecycle peak at 30%', schedule({ name: 'onecycle' }), 30, 0.1],
    ['warmup 5 epochs, epoch 1', schedule({ name: 'constant', warmupEpochs: 5 }), 1, 0.02],
    ['warmup then cosine', schedule({ name: 'cosine', warmupEpochs: 5 }), 5, 0.1 * 0.5 * (1 + Math.cos(Math.PI * 0.05))],
  ];
  for (const [label, s, epoch, expected] of table) close(learningRate(0.1, s, epoch, 100), expected, label);
  close(learningRate(0.1, schedule({ name: 'plateau', gamma: 0.5 }), 3, 100, 2), 0.025, 'plateau after two reductions');
});

test('reduce-on-plateau counts stale epochs and reduces after patience', () => {
  const tracker = new PlateauTracker(2);
  for (const miou of [0.3, 0.4, 0.39, 0.4, 0.41, 0.41, 0.405]) tracker.update(miou);
  assert.deepEqual(tracker.toJSON(), { best: 0.41, stale: 0, reductions: 2 });
});

test('Adam, AdamW and SGD with momentum take the known steps', () => {
  const run = (settings: ConstructorParameters<typeof Optimizer>[0]) => {
    const w = tf.variable(tf.scalar(1), true, `conv_1/kernel_${settings.name}`);
    const optimizer = new Optimizer(settings);
    const values: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const grad = tf.scalar(0.5);
      optimizer.apply([w], { [w.name]: grad }, 0.1);
      grad.dispose();
      values.push(w.dataSync()[0]!);
    }
    optimizer.dispose();
    w.dispose();
    return values;
  };
  // Adam with a constant gradient moves by lr each step (bias-corrected m/sqrt(v) = 1).
  run({ name: 'adam', weightDecay: 0, momentum: 0 }).forEach((v, i) => close(v, [0.9, 0.8][i]!, `adam ${i}`));
  // AdamW: w - lr*m/sqrt(v) - lr*wd*w = 1 - 0.1 - 0.01 = 0.89; then 0.89 - 0.1 - 0.0089
  run({ name: 'adamw', weightDecay: 0.1, momentum: 0 }).forEach((v, i) => close(v, [0.89, 0.7811][i]!, `adamw ${i}`));
  // SGD momentum 0.9: buf 0.5 -> w 0.95; buf 0.95 -> w 0.855
  run({ name: 'sgd', weightDecay: 0, momentum: 0.9 }).forEach((v, i) => close(v, [0.95, 0.855][i]!, `sgd ${i}`));
});

test("a variable's learning-rate share: 0 leaves it and its slots untouched (a frozen encoder), 0.1 takes a tenth of the step", async () => {
  const encoder = tf.variable(tf.scalar(1), true, 'encoder.conv1/kernel_share');
  const head = tf.variable(tf.scalar(1), true, 'segmentation_head.0/kernel_share');
  const optimizer = new Optimizer({ name: 'sgd', weightDecay: 0, momentum: 0 });
  const step = (share: number): void => {
    const grads = { [encoder.name]: tf.scalar(0.5), [head.name]: tf.scalar(0.5) };
    optimizer.apply([encoder, head], grads, 0.1, (v) => (v === encoder ? share : 1));
    tf.dispose(Object.values(grads));
  };
  step(0);
  close(encoder.dataSync()[0]!, 1, 'frozen');
  close(head.dataSync()[0]!, 0.95, 'the head steps');
  assert.deepEqual(Object.keys((await optimizer.snapshot()).slots), [head.name], 'no slot for the frozen variable');
  step(0.1);
  close(encoder.dataSync()[0]!, 1 - 0.1 * 0.1 * 0.5, 'a tenth of the step');
  close(head.dataSync()[0]!, 0.9, 'the head steps fully');
  optimizer.dispose();
  tf.dispose([encoder, head]);
});

test('optimizer state survives a snapshot and restore exactly', async () => {
  const w = tf.variable(tf.tensor1d([1, 2]), true, 'conv_9/kernel');
  const a = new Optimizer({ name: 'adam', weightDecay: 0, momentum: 0 });
  a.apply([w], { [w.name]: tf.tensor1d([0.3, -0.2]) }, 0.01);
  const b = new Optimizer({ name: 'adam', weightDecay: 0, momentum: 0 });
  b.restore(JSON.parse(JSON.stringify(await a.snapshot())));
  const wa = tf.variable(w.clone());
  const wb = tf.variable(w.clone());
  a.apply([wa], { [w.name]: tf.tensor1d([0.1, 0.1]) }, 0.01);
  b.apply([wb], { [w.name]: tf.tensor1d([0.1, 0.1]) }, 0.01);
  assert.deepEqual(Array.from(wa.dataSync()), Array.from(wb.dataSync()));
  assert.equal(b.steps, 2);
  tf.dispose([w, wa, wb]);
  a.dispose();
  b.dispose();
});

test('clipping by global norm: [3, 4] has norm 5, clipped to 1 gives [0.6, 0.8]; under the limit nothing changes', () => {
  const grads = clipByGlobalNorm({ a: tf.scalar(3), b: tf.scalar(4) }, 1);
  close(grads.a!.dataSync()[0]!, 0.6);
  close(grads.b!.dataSync()[0]!, 0.8);
  const kept = clipByGlobalNorm({ a: tf.scalar(3), b: tf.scalar(4) }, 6);
  assert.equal(kept.a!.dataSync()[0], 3);
  assert.equal(kept.b!.dataSync()[0], 4);
  tf.dispose([...Object.values(grads), ...Object.values(kept)]);
});
