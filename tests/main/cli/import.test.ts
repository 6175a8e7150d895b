import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { writeGeoTiff } from '../../../src-main/geotiff/geotiff-io';
import { writeImage, writeIndexMask } from '../../helpers/fixtures';
import { tempDir } from '../../helpers/services';

const cli = 'src-main/cli/segbench.cjs';

function segbench(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** images/ and masks/ folders under a fresh root. */
function folders(): { images: string; masks: string } {
  const root = tempDir('segbench-data-');
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  return { images, masks };
}

test('a folder whose only image is 20000x20000: the import names the pixel limit and how to raise it, is unusable, and exits 1', async () => {
  const { images, masks } = folders();
  // One grey constant: 400 megapixels that compress to about a megabyte.
  await sharp({ create: { width: 20_000, height: 20_000, channels: 3, background: '#000' }, limitInputPixels: false })
    .toColourspace('b-w')
    .png()
    .toFile(join(images, 'huge.png'));
  await writeIndexMask(join(masks, 'huge.png'), 4, 4, new Array<number>(16).fill(1));
  const dataDir = tempDir();
  const imported = segbench(['import', '--images', images, '--masks', masks, '--name', 'huge', '--data-dir', dataDir]);
  assert.equal(imported.code, 1, imported.stdout + imported.stderr);
  const out = imported.stdout;
  assert.match(out, /^Dataset "huge" \([0-9a-f-]+\): unusable$/m);
  assert.match(out, /^Indexed: 0 of 1; problems: 1$/m);
  assert.ok(
    out.includes(
      `  skipped huge: The image ${join(images, 'huge.png')} is 20000x20000 (400.0 megapixels), over the limit of 268.4 megapixels that SegBench decodes at once. ` +
        'Cut it into tiles (for example `gdal_retile.py -ps 4096 4096` or `vips dzsave IMAGE tiles --depth one --tile-size 4096`) and import the tiles, ' +
        'or raise the limit with SEGBENCH_MAX_PIXELS=400000000 if the machine has the memory',
    ),
    out,
  );
  assert.doesNotMatch(out, /Input image exceeds pixel limit/);
  // The split counts no image that cannot be used.
  assert.match(out, /^Split: train 0, val 0, test 0 /m);
  assert.match(
    out,
    /^No image could be used: the one paired image was skipped, for the reasons under 'skipped' above\. Nothing can be trained on this dataset/m,
  );

  // --json: the detail on stdout says unusable, the one line of why on stderr, exit 1 again.
  const json = segbench(['import', '--images', images, '--masks', masks, '--name', 'huge', '--data-dir', dataDir, '--json']);
  assert.equal(json.code, 1);
  const detail = JSON.parse(json.stdout) as DatasetDetail;
  assert.equal(detail.state, 'unusable');
  assert.deepEqual(detail.splitCounts, { train: 0, val: 0, test: 0, none: 0 });
  assert.match(json.stderr, /No image could be used/);
  const train = segbench(['train', '--dataset', 'huge', '--epochs', '1', '--data-dir', dataDir]);
  assert.equal(train.code, 1);
  assert.match(train.stdout + train.stderr, /Dataset "huge" has no usable image: every image was skipped as a problem \(its import report says why\)/);
});

test('skipped images are counted in no split: one image over a lowered SEGBENCH_MAX_PIXELS beside three good ones', async () => {
  const { images, masks } = folders();
  for (const stem of ['a', 'b', 'c']) {
    await writeImage(join(images, `${stem}.jpg`), 16, 16);
    await writeIndexMask(
      join(masks, `${stem}.png`),
      16,
      16,
      Array.from({ length: 256 }, (_, p) => p % 2),
    );
  }
  await writeImage(join(images, 'large.jpg'), 64, 64);
  await writeIndexMask(
    join(masks, 'large.png'),
    64,
    64,
    Array.from({ length: 64 * 64 }, (_, p) => p % 2),
  );
  const imported = segbench(['import', '--images', images, '--masks', masks, '--name', 'mixed', '--data-dir', tempDir(), '--json'], {
    SEGBENCH_MAX_PIXELS: '1000',
  });
  assert.equal(imported.code, 0, imported.stderr);
  const detail = JSON.parse(imported.stdout) as DatasetDetail;
  assert.equal(detail.state, 'ready');
  assert.deepEqual([detail.imageCount, detail.indexedCount, detail.problemCount], [4, 3, 1]);
  assert.match(detail.problems[0]!.message, /^The image .*large\.jpg is 64x64 \(4096 pixels\), over the limit of 1000 pixels .* SEGBENCH_MAX_PIXELS=4096 /);
  const { train, val, test: testCount, none } = detail.splitCounts;
  assert.equal(train + val + testCount + none, 3);
});

test('an RGBA TIFF is said to be 4 bands of uint8 (RGB + alpha) with the alpha dropped: among pictures it imports, among GeoTIFFs it is skipped with that reason', async () => {
  const rgbaTiff = async (path: string): Promise<void> => {
    const rgba = Buffer.from(Array.from({ length: 16 * 16 * 4 }, (_, i) => (i * 7) % 256));
    await sharp(rgba, { raw: { width: 16, height: 16, channels: 4 } })
      .tiff({ compression: 'lzw' })
      .toFile(path);
  };
  const mask = (path: string): Promise<void> =>
    writeIndexMask(
      path,
      16,
      16,
      Array.from({ length: 256 }, (_, p) => p % 2),
    );
  const pictures = folders();
  for (const stem of ['a', 'b']) {
    await writeImage(join(pictures.images, `${stem}.jpg`), 16, 16);
    await mask(join(pictures.masks, `${stem}.png`));
  }
  await rgbaTiff(join(pictures.images, 'rgba.tif'));
  await mask(join(pictures.masks, 'rgba.png'));
  const dataDir = tempDir();
  const imported = segbench(['import', '--images', pictures.images, '--masks', pictures.masks, '--name', 'pictures', '--data-dir', dataDir]);
  assert.equal(imported.code, 0, imported.stdout + imported.stderr);
  assert.match(imported.stdout, /^Indexed: 3 of 3; problems: 0$/m);
  assert.match(
    imported.stdout,
    /^Alpha: 1 image has 4 bands of uint8 \(RGB \+ alpha\): rgba\. The alpha band is dropped: SegBench reads the RGB bands, as for any picture\.$/m,
  );
  assert.doesNotMatch(imported.stdout, /^Bands:|band\(s\)|3 bands? of uint8/m);

  // Beside 4-band 16-bit GeoTIFFs, the same file is skipped, and said to be what it is.
  const rasters = folders();
  for (const stem of ['s1', 's2', 's3']) {
    await writeGeoTiff(join(rasters.images, `${stem}.tif`), new Uint16Array(16 * 16 * 4).fill(500), {
      width: 16,
      height: 16,
      bands: 4,
      georeference: {
        epsg: 32633,
        geoKeys: { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32633 },
        geotransform: [500_000, 10, 0, 4_000_000, 0, -10],
      },
    });
    await mask(join(rasters.masks, `${stem}.png`));
  }
  await rgbaTiff(join(rasters.images, 'rgba.tif'));
  await mask(join(rasters.masks, 'rgba.png'));
  const mixed = segbench(['import', '--images', rasters.images, '--masks', rasters.masks, '--name', 'rasters', '--data-dir', dataDir]);
  assert.equal(mixed.code, 0, mixed.stdout + mixed.stderr);
  assert.match(mixed.stdout, /^Bands: 4 x uint16 \(multispectral GeoTIFF\)/m);
  assert.match(
    mixed.stdout,
    /^ {2}skipped rgba: Skipped: it has 4 bands of uint8 \(RGB \+ alpha\): a picture, read as RGB with its alpha band dropped, but the dataset's images have 4 bands of uint16; every image of a dataset must have the same bands\.$/m,
  );
});
