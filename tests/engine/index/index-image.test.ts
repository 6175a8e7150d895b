import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { Georeference } from '../../../src-shared/bands';
import type { IndexedImage } from '../../../src-shared/indexing';
import { indexImage } from '../../../src-main/engine/index/index-image';
import { decodeImage } from '../../../src-main/engine/data/decode';
import { readGeoTiff, readGeoTiffPixel, trueColourOf, TruncatedTiffError, writeGeoTiff } from '../../../src-main/geotiff/geotiff-io';
import { writeIndexMask } from '../../helpers/fixtures';
import { tempDir } from '../../helpers/services';

const utm: Georeference = {
  epsg: 32633,
  geoKeys: { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32633 },
  geotransform: [500_000, 10, 0, 4_000_000, 0, -10],
};

/** Indexes one image with a mask of its size (all class 1) into a fresh folder. */
async function indexOne(imagePath: string, width: number, height: number): Promise<IndexedImage> {
  const dir = tempDir();
  const maskPath = join(dir, 'mask.png');
  await writeIndexMask(maskPath, width, height, new Array<number>(width * height).fill(1));
  return indexImage({ imageId: 1, imagePath, maskPath }, dir, 32);
}

/** Keeps the first `share` of a file's bytes, as a copy or download that stopped would. */
function cut(from: string, to: string, share: number): number {
  const bytes = readFileSync(from);
  const kept = Math.floor(bytes.length * share);
  writeFileSync(to, bytes.subarray(0, kept));
  return kept;
}

test('a GeoTIFF with 35% of its strips cut off is a skipped problem that says so, never an image of zeros', async () => {
  const dir = tempDir();
  const full = join(dir, 'full.tif');
  const values = Uint16Array.from({ length: 64 * 64 * 4 }, (_, i) => 1 + (i % 997));
  await writeGeoTiff(full, values, { width: 64, height: 64, bands: 4, georeference: utm });
  assert.equal((await indexOne(full, 64, 64)).ok, true, 'the whole file indexes');

  const truncated = join(dir, 'truncated.tif');
  const kept = cut(full, truncated, 0.65);
  const size = statSync(full).size;
  const result = await indexOne(truncated, 64, 64);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.problem, 'unreadable-image');
  assert.equal(result.message, `Cannot decode the image ${truncated}: the file is truncated: it ends at byte ${kept}, its image data needs ${size} bytes`);
  // Every reader of GeoTIFFs refuses it: the head, the pixels, one pixel, and the engine's decoder.
  await assert.rejects(readGeoTiff(truncated), TruncatedTiffError);
  await assert.rejects(readGeoTiff(truncated, { pixels: true }), /the file is truncated/);
  await assert.rejects(readGeoTiffPixel(truncated, 0, 0), /the file is truncated/);
  await assert.rejects(decodeImage(truncated, { bands: [1, 2, 3, 4], indices: [] }), /the file is truncated/);
});

/** Points the last tile of a little-endian classic TIFF at `offset` (its TileOffsets entry, tag 324). */
function moveLastTile(path: string, offset: number): void {
  const bytes = readFileSync(path);
  assert.equal(bytes.toString('latin1', 0, 2), 'II');
  const ifd = bytes.readUInt32LE(4);
  const entries = bytes.readUInt16LE(ifd);
  for (let e = 0; e < entries; e += 1) {
    const at = ifd + 2 + 12 * e;
    if (bytes.readUInt16LE(at) !== 324) continue;
    assert.equal(bytes.readUInt16LE(at + 2), 4, 'LONG offsets');
    const count = bytes.readUInt32LE(at + 4);
    bytes.writeUInt32LE(offset, bytes.readUInt32LE(at + 8) + 4 * (count - 1));
    writeFileSync(path, bytes);
    return;
  }
  assert.fail('no TileOffsets');
}

test('a tiled TIFF whose last tile lies past the end of the file is truncated too; cut before its directory, it says where that was', async () => {
  const dir = tempDir();
  const tiled = join(dir, 'tiled.tif');
  const raw = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 31) % 251));
  // 16-bit RGB: read through geotiff.js (not plain 8-bit RGB); sixteen 16x16 tiles of 1536 bytes.
  await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
    .toColourspace('rgb16')
    .tiff({ tile: true, tileWidth: 16, tileHeight: 16, compression: 'none' })
    .toFile(tiled);
  assert.equal((await readGeoTiff(tiled)).info.dataType, 'uint16');
  assert.equal((await indexOne(tiled, 64, 64)).ok, true, 'the whole file indexes');

  const size = statSync(tiled).size;
  moveLastTile(tiled, size - 100);
  const result = await indexOne(tiled, 64, 64);
  assert.ok(!result.ok);
  assert.match(result.message, new RegExp(`the file is truncated: it ends at byte ${size}, its image data needs ${size - 100 + 16 * 16 * 3 * 2} bytes$`));

  // sharp writes the directory after the tiles: a cut file has none left to read.
  const truncated = join(dir, 'cut.tif');
  const kept = cut(tiled, truncated, 0.65);
  const directory = readFileSync(tiled).readUInt32LE(4);
  const cutResult = await indexOne(truncated, 64, 64);
  assert.ok(!cutResult.ok);
  assert.equal(
    cutResult.message,
    `Cannot decode the image ${truncated}: the file is truncated: it ends at byte ${kept}, its file directory starts at byte ${directory}`,
  );
});

test('an image or mask over the pixel limit is a problem that names the limit and how to raise it; under a raised limit it indexes', async (t) => {
  const before = process.env.SEGBENCH_MAX_PIXELS;
  t.after(() => {
    if (before === undefined) delete process.env.SEGBENCH_MAX_PIXELS;
    else process.env.SEGBENCH_MAX_PIXELS = before;
  });
  const dir = tempDir();
  const image = join(dir, 'big.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#406080' } })
    .png()
    .toFile(image);
  process.env.SEGBENCH_MAX_PIXELS = '2000';
  const refused = await indexOne(image, 64, 48);
  assert.ok(!refused.ok);
  assert.equal(refused.problem, 'unreadable-image');
  assert.equal(
    refused.message,
    `The image ${image} is 64x48 (3072 pixels), over the limit of 2000 pixels that SegBench decodes at once. ` +
      'Cut it into tiles (for example `gdal_retile.py -ps 4096 4096` or `vips dzsave IMAGE tiles --depth one --tile-size 4096`) and import the tiles, ' +
      'or raise the limit with SEGBENCH_MAX_PIXELS=3072 if the machine has the memory (prediction needs about 40 bytes a pixel).',
  );
  // A mask over the limit beside an image under it: the mask is named.
  const small = join(dir, 'small.png');
  await sharp({ create: { width: 40, height: 40, channels: 3, background: '#406080' } })
    .png()
    .toFile(small);
  const bigMask = join(dir, 'big-mask.png');
  await writeIndexMask(bigMask, 64, 48, new Array<number>(64 * 48).fill(1));
  const maskRefused = await indexImage({ imageId: 2, imagePath: small, maskPath: bigMask }, dir, 32);
  assert.ok(!maskRefused.ok);
  assert.equal(maskRefused.problem, 'unreadable-mask');
  assert.match(maskRefused.message, new RegExp(`^The mask ${bigMask} is 64x48 \\(3072 pixels\\), over the limit of 2000 pixels .* SEGBENCH_MAX_PIXELS=3072 `));
  // A multispectral GeoTIFF is measured before its bands are read.
  const raster = join(dir, 'big.tif');
  await writeGeoTiff(raster, new Uint16Array(64 * 48 * 4).fill(300), { width: 64, height: 48, bands: 4, georeference: utm });
  const rasterRefused = await indexOne(raster, 64, 48);
  assert.ok(!rasterRefused.ok);
  assert.match(rasterRefused.message, new RegExp(`^The image ${raster} is 64x48 \\(3072 pixels\\), over the limit of 2000 pixels`));
  // Raised to the size it named, both index.
  process.env.SEGBENCH_MAX_PIXELS = '3072';
  for (const path of [image, raster]) {
    const indexed = await indexOne(path, 64, 48);
    assert.ok(indexed.ok, path);
    assert.deepEqual([indexed.width, indexed.height], [64, 48]);
  }
});

test('a truncated PNG, as image or as mask, is named a truncated or corrupt PNG file; a file that is no image says so', async () => {
  const dir = tempDir();
  const raw = Buffer.from(Array.from({ length: 96 * 64 * 3 }, (_, i) => (i * 31 + (i >> 7)) % 251));
  const png = await sharp(raw, { raw: { width: 96, height: 64, channels: 3 } })
    .png()
    .toBuffer();
  const plain = join(dir, 'good.png');
  writeFileSync(plain, png);
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Cut in the pixel data (35% gone) and cut inside the header.
  for (const kept of [Math.floor(png.length * 0.65), 20]) {
    const cutPath = join(dir, `cut-${kept}.png`);
    writeFileSync(cutPath, png.subarray(0, kept));
    const asImage = await indexOne(cutPath, 96, 64);
    assert.ok(!asImage.ok);
    assert.equal(asImage.problem, 'unreadable-image');
    assert.match(asImage.message, new RegExp(`^Cannot decode the image ${escape(cutPath)}: the PNG file is truncated or corrupt \\([^)]+\\)$`));
    assert.doesNotMatch(asImage.message, /Unknown error|\(\)/);
    const asMask = await indexImage({ imageId: 2, imagePath: plain, maskPath: cutPath }, dir, 32);
    assert.ok(!asMask.ok);
    assert.equal(asMask.problem, 'unreadable-mask');
    assert.match(asMask.message, new RegExp(`^Cannot decode the mask ${escape(cutPath)}: the PNG file is truncated or corrupt \\([^)]+\\)$`));
  }
  const text = join(dir, 'notes.png');
  writeFileSync(text, 'not an image at all');
  const notImage = await indexOne(text, 96, 64);
  assert.ok(!notImage.ok);
  assert.match(
    notImage.message,
    new RegExp(`^Cannot decode the image ${escape(text)}: it is not a PNG, JPEG or TIFF file: its first bytes are none of theirs \\(.+\\)$`),
  );
});

test('an RGBA TIFF is a picture: its four bands of uint8 with alpha are recorded, and it decodes to its RGB with the alpha dropped', async () => {
  const dir = tempDir();
  const path = join(dir, 'rgba.tif');
  const rgba = Buffer.from(Array.from({ length: 16 * 8 * 4 }, (_, i) => (i % 4 === 3 ? (i * 7) % 256 : (i * 13) % 251)));
  await sharp(rgba, { raw: { width: 16, height: 8, channels: 4 } })
    .tiff({ compression: 'lzw' })
    .toFile(path);
  assert.deepEqual((await readGeoTiff(path)).info, {
    bands: 4,
    dataType: 'uint8',
    nodata: null,
    names: [null, null, null, null],
    georeference: null,
    alpha: true,
  });
  assert.equal(await trueColourOf(path), null, 'not multispectral');
  const result = await indexOne(path, 16, 8);
  assert.ok(result.ok);
  assert.deepEqual(result.raster, {
    info: { bands: 4, dataType: 'uint8', nodata: null, names: [null, null, null, null], georeference: null, alpha: true },
    sums: [],
    samples: [],
  });
  const decoded = await decodeImage(path);
  assert.equal(decoded.channels, 3);
  const rgb = Array.from({ length: 16 * 8 * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]!);
  assert.deepEqual(Array.from(decoded.data), rgb);
  // Four bands with no alpha (ExtraSamples 0, unspecified) stay a multispectral raster.
  const four = join(dir, 'four.tif');
  await writeGeoTiff(four, new Uint8Array(16 * 8 * 4).fill(9), { width: 16, height: 8, bands: 4, georeference: utm });
  assert.equal((await readGeoTiff(four)).info.alpha, undefined);
  const indexed = await indexOne(four, 16, 8);
  assert.ok(indexed.ok);
  assert.equal(indexed.raster?.sums.length, 4);
});
