import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldPlan, quickCheckConfig } from '../../src-shared/label-errors';
import { labelErrorPlanLine, timingKey } from '../../src-renderer/pages/datasets/label-error-plan';

const config = quickCheckConfig('d1');
const at = (inputSize: number) => foldPlan({ folds: 4, images: 11, windows: 100, config: { ...config, inputSize }, sizedBy: 'pixels' });

test('a measured step time belongs to its config but for how long it trains (issue 32, 7)', () => {
  assert.equal(timingKey({ ...config, epochs: 30, stepsPerEpoch: 7 }), timingKey(config));
  assert.notEqual(timingKey({ ...config, inputSize: 64 }), timingKey(config));
  assert.notEqual(timingKey({ ...config, batchSize: 8 }), timingKey(config));
});

test('the plan line never shows a plan or a time of other inputs (issue 32, 7)', () => {
  const measured64 = { key: timingKey({ ...config, inputSize: 64 }), stepSeconds: 0.1, imageSeconds: 1 };
  // The time measured at 64 px, with the plan at 64 px: minutes.
  assert.match(
    labelErrorPlanLine({ plan: at(64), error: null, fresh: true }, { key: measured64.key, measured: measured64, wanted: true }).text,
    / at 64 px: .*: about \d+ min \(0\.10 s a step, 1\.0 s an image\)\.$/,
  );
  // The size changed: until its plan arrives, "estimating…", not the 64 px plan.
  assert.deepEqual(
    labelErrorPlanLine({ plan: at(64), error: null, fresh: false }, { key: timingKey({ ...config, inputSize: 96 }), measured: measured64, wanted: true }),
    { text: 'estimating…', warning: false },
  );
  // The 96 px plan has arrived; its time is being measured: no minutes from the 64 px step time.
  const line = labelErrorPlanLine(
    { plan: at(96), error: null, fresh: true },
    { key: timingKey({ ...config, inputSize: 96 }), measured: measured64, wanted: true },
  ).text;
  assert.match(line, / at 96 px: .*: estimating the time…$/);
  assert.doesNotMatch(line, /min|s a step/);
  // Never asked for a time, or a run's config (not measured here): the plan alone.
  assert.match(
    labelErrorPlanLine({ plan: at(96), error: null, fresh: true }, { key: timingKey(config), measured: null, wanted: false }).text,
    /predicted once each by the model that never saw them\.$/,
  );
  assert.match(labelErrorPlanLine({ plan: at(96), error: null, fresh: true }, { key: null, measured: measured64, wanted: true }).text, /never saw them\.$/);
  // Main's refusal of the inputs as they are now.
  assert.deepEqual(
    labelErrorPlanLine({ plan: at(64), error: 'Input size 50 is not a multiple of 8.', fresh: true }, { key: null, measured: null, wanted: false }),
    { text: 'Input size 50 is not a multiple of 8.', warning: true },
  );
});
