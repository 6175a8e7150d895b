import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { RegionOverlay } from '../../src-renderer/pages/inspect/side-by-side/RegionOverlay';
import { paintSideLayers } from '../../src-renderer/pages/inspect/side-by-side/side-layers';
import { paneGridStyle, sidePanes } from '../../src-renderer/pages/inspect/side-by-side/side-panes';
import { unknownClass } from '../../src-renderer/components/mask/class-map';

const classes = [
  { name: 'Land', color: '#ff0000', values: [0], ignore: false },
  { name: 'Water', color: '#0000ff', values: [1], ignore: false },
];
/** Pixel p's RGBA in a layer. */
const rgba = (layer: Uint8ClampedArray, p: number): number[] => Array.from(layer.slice(p * 4, p * 4 + 4));

test('the viewer’s layers: class maps at the opacity, errors by true class, an ignored pixel never an error, the other run’s two layers', () => {
  // Truth Land, Water, ignored, Water; prediction Land, Land, Water, Water; the other run all Water.
  const data = {
    width: 2,
    height: 2,
    truthPositions: Uint8Array.of(0, 1, unknownClass, 1),
    truth: Uint8Array.of(0, 1, unknownClass, 1),
    prediction: Uint8Array.of(0, 0, 1, 1),
    other: null,
  };
  const painted = paintSideLayers(data, classes, { kind: 'by-true-class' }, 0.6, new Set());
  assert.equal(painted.layers.length, 3);
  assert.deepEqual(rgba(painted.layers[0]!, 0), [255, 0, 0, 153], 'truth: Land in red at 60%');
  assert.deepEqual(rgba(painted.layers[1]!, 1), [255, 0, 0, 153], 'prediction: Land at pixel 1');
  assert.deepEqual(rgba(painted.layers[2]!, 1), [0, 0, 255, 255], 'the error at pixel 1 in its true class’s colour');
  assert.deepEqual(rgba(painted.layers[2]!, 2), [0, 0, 0, 0], 'an ignored pixel is not an error');
  assert.deepEqual(painted.counts, { main: { labelled: 3, errors: 1, shown: 1, falsePositives: 0, falseNegatives: 0 }, other: null });

  const hidden = paintSideLayers({ ...data, other: Uint8Array.of(1, 1, 1, 1) }, classes, { kind: 'class', label: 0 }, 1, new Set([1]));
  assert.equal(hidden.layers.length, 5);
  assert.deepEqual(rgba(hidden.layers[0]!, 1), [0, 0, 0, 0], 'a hidden class is not painted');
  assert.deepEqual(hidden.counts.main, { labelled: 3, errors: 1, shown: 0, falsePositives: 0, falseNegatives: 0 }, 'its errors are counted, not shown');
  assert.deepEqual(hidden.counts.other, { labelled: 3, errors: 1, shown: 1, falsePositives: 0, falseNegatives: 1 }, 'the other run missed Land at pixel 0');
});

test('the viewer’s panels: titles in order, the corrected truth said, the other run’s two only when it has a prediction', () => {
  const base = { mode: { kind: 'by-true-class' } as const, classNames: ['Land', 'Water'], runName: 'unet-a', corrected: false, otherName: null };
  assert.deepEqual(
    sidePanes(base).map((p) => [p.id, p.title, p.layer]),
    [
      ['image', 'Image', null],
      ['truth', 'Ground truth', 0],
      ['prediction', 'Prediction: unet-a', 1],
      ['errors', 'Errors of unet-a (by true class)', 2],
    ],
  );
  const both = sidePanes({ ...base, corrected: true, otherName: 'fpn-b', mode: { kind: 'pair', truth: 0, predicted: 1 } });
  assert.deepEqual(
    both.map((p) => p.title),
    [
      'Image',
      'Ground truth (corrected)',
      'Prediction: unet-a',
      'Predicted Water where truth is Land (unet-a)',
      'Prediction: fpn-b',
      'Predicted Water where truth is Land (fpn-b)',
    ],
  );
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => [paneGridStyle(n).gridTemplateColumns, paneGridStyle(n).gridTemplateRows]),
    [
      ['repeat(1, 1fr)', 'repeat(1, 1fr)'],
      ['repeat(2, 1fr)', 'repeat(1, 1fr)'],
      ['repeat(2, 1fr)', 'repeat(2, 1fr)'],
      ['repeat(2, 1fr)', 'repeat(2, 1fr)'],
      ['repeat(3, 1fr)', 'repeat(2, 1fr)'],
      ['repeat(3, 1fr)', 'repeat(2, 1fr)'],
    ],
  );
});

test('the region overlay: a one-point brush stroke is a dot of its diameter, polygons closed, the draft dashed, outlines 2 screen pixels at any zoom', () => {
  const markup = renderToStaticMarkup(
    createElement(RegionOverlay, {
      width: 64,
      height: 32,
      region: { strokes: [{ radius: 5, points: [10, 12] }], polygons: [[0, 0, 8, 0, 8, 8]] },
      draft: [20, 20, 30, 20],
      scale: 4,
    }),
  );
  assert.match(markup, /^<svg class="region-overlay" viewBox="0 0 64 32" width="64" height="32"/);
  assert.match(markup, /<polyline points="10,12 10,12" fill="none" stroke="rgba\(255,214,10,0.45\)" stroke-width="10"/);
  assert.match(markup, /<polygon points="0 0 8 0 8 8" fill="rgba\(255,214,10,0.3\)" stroke="#ffd60a" stroke-width="0.5"/);
  assert.match(markup, /<polyline points="20 20 30 20" fill="none" stroke="#ffd60a" stroke-width="0.5" stroke-dasharray="2"/);
  const empty = renderToStaticMarkup(createElement(RegionOverlay, { width: 4, height: 4, region: { strokes: [], polygons: [] }, draft: [], scale: 1 }));
  assert.doesNotMatch(empty, /polyline|polygon/);
});
