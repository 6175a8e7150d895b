import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { Georeference } from '../../../src-shared/bands';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { readGeoTiff, readGeoTiffPixel, writeGeoTiff } from '../../../src-main/geotiff/geotiff-io';
import { decodeImage, decodeSample } from '../../../src-main/engine/data/decode';
import { tempDir } from '../../helpers/services';

const utm: Georeference = {
  epsg: 32611,
  geoKeys: { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32611 },
  geotransform: [500_000, 10, 0, 4_200_000, 0, -10],
};

/** 4x3 pixels, 3 bands (Red, NIR, Green) interleaved; pixel 5 has nodata (0) in Green. */
function bands(): Uint16Array {
  const out = new Uint16Array(12 * 3);
  for (let p = 0; p < 12; p += 1) {
    out[p * 3] = 100 + p;
    out[p * 3 + 1] = 1000 + 10 * p;
    out[p * 3 + 2] = p === 5 ? 0 : 50 + p;
  }
  return out;
}

test('a GeoTIFF written with bands, names, nodata and a transform reads back the same through geotiff.js', async () => {
  const dir = tempDir();
  const path = join(dir, 'tile.tif');
  await writeGeoTiff(path, bands(), { width: 4, height: 3, bands: 3, georeference: utm, nodata: 0, names: ['Red', 'NIR', 'Green'] });
  const file = await readGeoTiff(path, { pixels: true });
  assert.equal(file.width, 4);
  assert.equal(file.height, 3);
  assert.deepEqual(file.info, { bands: 3, dataType: 'uint16', nodata: 0, names: ['Red', 'NIR', 'Green'], georeference: utm });
  assert.deepEqual(
    Array.from(file.bands[1]!),
    Array.from({ length: 12 }, (_, p) => 1000 + 10 * p),
  );
  assert.deepEqual(await readGeoTiffPixel(path, 1, 1), { values: [105, 1050, 0], nodata: 0 });
  await assert.rejects(readGeoTiffPixel(path, 4, 0), /pixel \(4, 0\) is outside the 4x3 image/);
  // Only the asked bands are read.
  const only = await readGeoTiff(path, { pixels: true, only: [3] });
  assert.equal(only.bands.length, 1);
  assert.equal(only.bands[0]![0], 50);
});

test('a rotated grid (ModelTransformation) and float32 samples keep their georeferencing; a file without one says null', async () => {
  const dir = tempDir();
  const rotated: Georeference = { ...utm, geotransform: [500_000, 8.66, 5, 4_200_000, 5, -8.66] };
  const values = Float32Array.from({ length: 6 }, (_, i) => i / 4 - 0.5);
  await writeGeoTiff(join(dir, 'r.tif'), values, { width: 3, height: 2, bands: 1, georeference: rotated });
  const file = await readGeoTiff(join(dir, 'r.tif'), { pixels: true });
  assert.deepEqual(file.info.georeference, rotated);
  assert.equal(file.info.dataType, 'float32');
  assert.equal(file.info.nodata, null);
  assert.deepEqual(file.info.names, [null]);
  assert.deepEqual(Array.from(file.bands[0]!), Array.from(values));
  await sharp(Buffer.from([1, 2, 3, 4]), { raw: { width: 2, height: 2, channels: 1 } })
    .tiff()
    .toFile(join(dir, 'plain.tif'));
  assert.equal((await readGeoTiff(join(dir, 'plain.tif'))).info.georeference, null);
});

test('a multispectral run decodes its chosen bands and indices; nodata pixels lose their label', async () => {
  const dir = tempDir();
  const image = join(dir, 'tile.tif');
  const mask = join(dir, 'mask.tif');
  await writeGeoTiff(image, bands(), { width: 4, height: 3, bands: 3, georeference: utm, nodata: 0, names: ['Red', 'NIR', 'Green'] });
  // A single-band GeoTIFF mask with class indices.
  await writeGeoTiff(
    mask,
    Uint8Array.from({ length: 12 }, (_, p) => p % 2),
    { width: 4, height: 3, bands: 1, georeference: utm },
  );
  const channels = { bands: [3, 1], indices: [{ name: 'NDVI', kind: 'normalized-difference' as const, a: 2, b: 1 }] };
  const decoded = await decodeImage(image, channels);
  assert.equal(decoded.channels, 3);
  assert.ok(decoded.data instanceof Float32Array);
  assert.deepEqual(decoded.georeference, utm);
  assert.deepEqual(Array.from(decoded.data.subarray(0, 2)), [50, 100]);
  assert.ok(Math.abs(decoded.data[2]! - (1000 - 100) / (1000 + 100)) < 1e-6);
  assert.deepEqual(Array.from(decoded.data.subarray(15, 18)), [0, 0, 0], 'pixel 5 (nodata) is zero');
  const sample = await decodeSample(
    image,
    mask,
    new Map([
      [0, 0],
      [1, 1],
    ]),
    channels,
  );
  assert.equal(sample.labels[5], ignoreLabel);
  assert.equal(sample.labels[4], 0);
  assert.equal(sample.labels[3], 1);
  const png = join(dir, 'rgb.png');
  await sharp({ create: { width: 2, height: 2, channels: 3, background: '#808080' } })
    .png()
    .toFile(png);
  await assert.rejects(decodeImage(png, channels), /the run takes multispectral channels, so its images must be GeoTIFFs \(\.tif\)/);
  await assert.rejects(decodeImage(image, { bands: [5], indices: [] }), /band 5 does not exist: the image has 3 band/);
});
