import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { BestEpochTable } from '../../src-renderer/pages/compare/BestEpochTable';
import { bestValue, curveRows, importedConfigNote, metricName } from '../../src-renderer/pages/compare/compare-data';
import type { RunDetail } from '../../src-shared/runs';

/** The fields of a run that Compare reads; the rest of RunDetail does not take part. */
function run(id: string, bestEpoch: number | null, epochs: { iou: [number, number]; seconds: number; trainLoss: number }[], patch: object = {}): RunDetail {
  return {
    id,
    name: `run ${id}`,
    bestEpoch,
    external: null,
    predictedMasks: null,
    classNames: ['Land', 'Water'],
    classColors: ['#aa0000', '#0000aa'],
    epochHistory: epochs.map((e, i) => ({
      epoch: i + 1,
      seconds: e.seconds,
      trainLoss: e.trainLoss,
      valLoss: null,
      lr: 0.001,
      miou: (e.iou[0] + e.iou[1]) / 2,
      // IoU tp / (tp + fp + fn) with fp + fn = 100 - tp.
      counts: e.iou.map((v) => ({ tp: v * 100, fp: 100 - v * 100, fn: 0 })),
    })),
    ...patch,
  } as unknown as RunDetail;
}

const a = run('a', 2, [
  { iou: [0.5, 0.2], seconds: 10.4, trainLoss: 1.2 },
  { iou: [0.6, 0.4], seconds: 10.4, trainLoss: 0.9 },
  { iou: [0.55, 0.3], seconds: 10.4, trainLoss: 0.8 },
]);
const b = run('b', null, [{ iou: [0.7, 0.1], seconds: 30, trainLoss: 1.0 }]);

test('the curves: one row per epoch or per wall-time second, each run’s value by its id', () => {
  assert.deepEqual(curveRows([a, b], 'trainLoss', false), [
    { x: 1, a: 1.2, b: 1.0 },
    { x: 2, a: 0.9 },
    { x: 3, a: 0.8 },
  ]);
  assert.deepEqual(
    curveRows([a, b], 'class:Water', true).map((r) => [r.x, r.a?.toFixed(2), r.b?.toFixed(2)]),
    [
      [10, '0.20', undefined],
      [21, '0.40', undefined],
      [30, undefined, '0.10'],
      [31, '0.30', undefined],
    ],
  );
  assert.equal(metricName('class:Water'), 'IoU of Water');
  assert.equal(metricName('valLoss'), 'Validation loss');
});

test('best-epoch values: the best epoch, else the last; a class the run lacks is no value', () => {
  assert.equal(bestValue(a, 'Land')?.toFixed(2), '0.60');
  assert.equal(bestValue(a, null)?.toFixed(2), '0.50');
  assert.equal(bestValue(b, 'Water')?.toFixed(2), '0.10', 'no best epoch: the last');
  assert.equal(bestValue(a, 'Road'), null);
});

test('the best-epoch table: each run’s IoU with its difference to the baseline in points', () => {
  const markup = renderToStaticMarkup(createElement(BestEpochTable, { details: [a, b], base: a }));
  assert.match(markup, /run a<\/span> \(baseline\)/);
  assert.match(markup, /epoch 2<\/span>/);
  // Land: a 0.600, b 0.700 (+10.0 points); Water: b 0.100 against 0.400 (-30.0 points).
  assert.match(markup, /<td class="num">0\.700<span class="delta up"> \+10\.0 points<\/span><\/td>/);
  assert.match(markup, /<td class="num">0\.100<span class="delta down"> -30\.0 points<\/span><\/td>/);
  assert.equal((markup.match(/delta /g) ?? []).length, 3, 'no difference in the baseline’s own column');
});

test('imported runs are named, not compared, in the config differences', () => {
  const onnx = run('m', null, [], { name: 'teacher', external: { layout: 'nhwc' } });
  const masks = run('k', null, [], { name: 'qgis', predictedMasks: { images: 3 } });
  assert.equal(importedConfigNote([onnx]), 'teacher: imported ONNX model, trained outside SegBench with no SegBench config to compare.');
  assert.equal(
    importedConfigNote([onnx, masks]),
    'teacher: imported ONNX model, trained outside SegBench; qgis: imported masks, predicted outside SegBench; none has a SegBench config to compare.',
  );
});
