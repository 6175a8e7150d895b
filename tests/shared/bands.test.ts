import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assembleChannels,
  channelsFromText,
  channelsProblem,
  indexValue,
  layoutMismatch,
  presetIndices,
  trueColourBands,
  falseColourBands,
} from '../../src-shared/bands';
import { bandStatistics, bandSums, quantile, stretchComposite } from '../../src-shared/band-stats';
import { formatBandView, parseBandView, rampLegend, viewValueAt } from '../../src-shared/band-view-param';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('index values: (A-B)/(A+B) and A/B, 0 where undefined', () => {
  close(indexValue('normalized-difference', 0.5, 0.3), 0.25);
  close(indexValue('normalized-difference', 300, 900), -0.5);
  assert.equal(indexValue('normalized-difference', 0, 0), 0);
  close(indexValue('ratio', 6, 3), 2);
  assert.equal(indexValue('ratio', 6, 0), 0);
});

test('quantiles interpolate linearly, as numpy.quantile does by default', () => {
  // numpy.quantile([1, 2, 3, 4], [0.02, 0.5, 0.98]) = [1.06, 2.5, 3.94]
  const sorted = Float64Array.from([1, 2, 3, 4]);
  close(quantile(sorted, 0.02), 1.06);
  close(quantile(sorted, 0.5), 2.5);
  close(quantile(sorted, 0.98), 3.94);
  assert.equal(quantile(new Float64Array(0), 0.5), 0);
});

test('band sums leave nodata and non-finite values out; the sample strides over the valid values', () => {
  const band = Uint16Array.from([0, 10, 20, 0, 30, 40]);
  const { sums, sample } = bandSums(band, 0, 2);
  assert.deepEqual(sums, { valid: 4, nodata: 2, sum: 100, squares: 100 + 400 + 900 + 1600, min: 10, max: 40 });
  assert.deepEqual(Array.from(sample), [10, 30]);
  const floats = Float32Array.from([1, Number.NaN, 3]);
  assert.equal(bandSums(floats, null).sums.valid, 2);
});

test('band statistics over two images: exact mean and std from the sums, nodata share, percentiles from the samples', () => {
  const a = bandSums(Uint16Array.from([10, 20, 0, 0]), 0);
  const b = bandSums(Uint16Array.from([30, 40, 50, 60]), 0);
  const stats = bandStatistics(2, 'NIR', [a.sums, b.sums], [a.sample, b.sample], 4);
  // Valid values 10..60: mean 35, population std sqrt(291.67) = 17.0783.
  close(stats.mean, 35);
  close(stats.std, Math.sqrt(((10 - 35) ** 2 + (20 - 35) ** 2 + (30 - 35) ** 2 + (40 - 35) ** 2 + (50 - 35) ** 2 + (60 - 35) ** 2) / 6));
  assert.equal(stats.min, 10);
  assert.equal(stats.max, 60);
  close(stats.nodataShare, 2 / 8);
  close(stats.p2, 11); // numpy.quantile([10..60], 0.02) = 11.0
  close(stats.p98, 59);
  assert.equal(
    stats.histogram.counts.reduce((s, c) => s + c, 0),
    6,
  );
  assert.equal(stats.band, 2);
  assert.equal(stats.name, 'NIR');
});

test('channels are assembled in order: bands, then indices; a pixel with nodata in any band is invalid and zero', () => {
  // 2 pixels, 3 bands (Red, NIR, Green); pixel 1 has nodata (0) in Green.
  const red = Uint16Array.from([300, 500]);
  const nir = Uint16Array.from([900, 700]);
  const green = Uint16Array.from([400, 0]);
  const { data, valid, invalid } = assembleChannels([red, nir, green], 2, 0, {
    bands: [2, 1],
    indices: [{ name: 'NDVI', kind: 'normalized-difference', a: 2, b: 1 }],
  });
  assert.deepEqual(Array.from(valid), [1, 0]);
  assert.equal(invalid, 1);
  assert.deepEqual(Array.from(data.subarray(0, 2)), [900, 300]);
  close(data[2]!, 0.5, 1e-6);
  assert.deepEqual(Array.from(data.subarray(3)), [0, 0, 0]);
  assert.throws(() => assembleChannels([red], 2, null, { bands: [4], indices: [] }), /band 4 does not exist: the image has 1 band/);
});

test('a stretch maps each band from its own low..high to 0..255, clipped; nodata is black', () => {
  const r = Uint16Array.from([100, 200, 300, 0]);
  const g = Uint16Array.from([0, 50, 100, 0]);
  const b = Uint16Array.from([10, 10, 10, 0]);
  const rgb = stretchComposite(
    [r, g, b],
    [
      [100, 300],
      [0, 100],
      [0, 20],
    ],
    4,
    0,
  );
  // 100 x 255/200 is 127.4999... in floating point.
  assert.deepEqual(Array.from(rgb), [0, 0, 128, 127, 127, 128, 255, 255, 128, 0, 0, 0]);
});

test('band roles from names: true colour, false colour NIR-R-G, NDVI and NDWI presets', () => {
  const names = ['SWIR', 'NIR', 'Red', 'Green', 'Blue', 'Cloud', 'DEM'];
  assert.deepEqual(trueColourBands(names), [3, 4, 5]);
  assert.deepEqual(falseColourBands(names), [2, 3, 4]);
  const { ndvi, ndwi } = presetIndices(names);
  assert.deepEqual(ndvi, { name: 'NDVI', kind: 'normalized-difference', a: 2, b: 3 });
  assert.deepEqual(ndwi, { name: 'NDWI', kind: 'normalized-difference', a: 4, b: 2 });
  assert.deepEqual(trueColourBands(['b1', 'b2', 'b3', 'b4']), [1, 2, 3]);
  assert.equal(falseColourBands(['b1', 'b2']), null);
  assert.deepEqual(presetIndices(['b1', 'b2']), { ndvi: null, ndwi: null });
});

test('input channels from the command line: names or numbers, presets and formulas; mistakes say what is valid', () => {
  const names = ['SWIR', 'NIR', 'Red', 'Green', 'Blue'];
  assert.deepEqual(channelsFromText(undefined, [], names), { bands: [1, 2, 3, 4, 5], indices: [] });
  assert.deepEqual(channelsFromText('red, green,b5', ['NDVI', 'MNDWI=(Green-SWIR)/(Green+SWIR)', 'SR=nir/red'], names), {
    bands: [3, 4, 5],
    indices: [
      { name: 'NDVI', kind: 'normalized-difference', a: 2, b: 3 },
      { name: 'MNDWI', kind: 'normalized-difference', a: 4, b: 1 },
      { name: 'SR', kind: 'ratio', a: 2, b: 3 },
    ],
  });
  assert.throws(() => channelsFromText('Red,Yellow', [], names), /no band "Yellow"; the bands are 1 SWIR, 2 NIR, 3 Red, 4 Green, 5 Blue/);
  assert.throws(() => channelsFromText('Red', ['X=(NIR-Red)/(Red+NIR)'], names), /same A and B/);
  assert.throws(() => channelsFromText('1', ['NDVI'], ['a', 'b', 'c']), /NDVI needs bands named NIR and Red/);
  assert.throws(() => channelsFromText('Red', ['log(NIR)'], names), /is not an index/);
  assert.throws(() => channelsFromText('Red,Red', [], names), /a band is listed twice/);
});

test('channel and layout problems name the valid range', () => {
  assert.match(channelsProblem({ bands: [1, 9], indices: [] }, 7)!, /band 9 does not exist: the dataset's images have bands 1 to 7/);
  assert.match(channelsProblem({ bands: [1], indices: [{ name: 'X', kind: 'ratio', a: 2, b: 2 }] }, 7)!, /uses band 2 twice/);
  assert.equal(channelsProblem({ bands: [1, 2], indices: [] }, 7), null);
  assert.match(
    layoutMismatch({ bands: 7, dataType: 'uint16' }, { bands: 4, dataType: 'uint16' })!,
    /^it has 4 bands of uint16, but the dataset's images have 7 bands of uint16/,
  );
  assert.equal(layoutMismatch({ bands: 7, dataType: 'uint16' }, { bands: 7, dataType: 'uint16' }), null);
  assert.match(
    layoutMismatch({ bands: 1, dataType: 'float32' }, null)!,
    /^it is a picture, read as RGB \(3 bands of uint8\), but the dataset's images have 1 band of float32;/,
  );
  // An RGB + alpha picture never joins a multispectral dataset, not even one of four 8-bit bands.
  assert.equal(
    layoutMismatch({ bands: 4, dataType: 'uint8' }, { bands: 4, dataType: 'uint8', alpha: true }),
    "it has 4 bands of uint8 (RGB + alpha): a picture, read as RGB with its alpha band dropped, but the dataset's images have 4 bands of uint8; every image of a dataset must have the same bands",
  );
});

test('band views round-trip through the URL form and refuse anything else', () => {
  for (const text of ['rgb:4,3,2', 'band:5', 'nd:2,3', 'ratio:1,7']) assert.equal(formatBandView(parseBandView(text)), text);
  assert.deepEqual(parseBandView('nd:2,3'), { kind: 'normalized-difference', a: 2, b: 3 });
  for (const bad of ['rgb:1,2', 'band:0', 'hsv:1,2,3', 'band:1;rm', 'nd:2,3,4'])
    assert.throws(() => parseBandView(bad), /is not a band view; valid: rgb:R,G,B, band:N/);
});

test('a ramp view has a scale and a value under the cursor (issue 32, problem 9)', () => {
  // nd:4,1 is NDVI on Red,Green,Blue,NIR: drawn over -1..1, so the legend says so.
  assert.deepEqual(rampLegend(parseBandView('nd:4,1')), { low: '-1', mid: '0', high: '1' });
  assert.deepEqual(rampLegend(parseBandView('band:2')), { low: 'p2', mid: '…', high: 'p98' });
  assert.equal(rampLegend(parseBandView('rgb:1,2,3')), null);
  // A pixel with Red 1000, Green 900, Blue 800, NIR 3000: NDVI = (3000 - 1000) / (3000 + 1000) = 0.5.
  const pixel = [1000, 900, 800, 3000];
  assert.equal(viewValueAt(parseBandView('nd:4,1'), pixel), 0.5);
  assert.equal(viewValueAt(parseBandView('ratio:4,1'), pixel), 3);
  assert.equal(viewValueAt(parseBandView('band:3'), pixel), 800);
  assert.equal(viewValueAt(parseBandView('rgb:1,2,3'), pixel), null);
  assert.equal(viewValueAt(parseBandView('nd:4,1'), [0, 0, 0, 0]), 0, 'undefined where A + B = 0, as in training');
});
