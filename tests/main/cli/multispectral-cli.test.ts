import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { readGeoTiff, writeGeoTiff } from '../../../src-main/geotiff/geotiff-io';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { tempDir, testServices } from '../../helpers/services';

const cli = 'src-main/cli/segbench.cjs';
const run = (args: string[], timeout = 120_000) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout });

test('the multispectral sample end to end: 7-band GeoTIFFs imported, NDVI lifts Kelp over RGB alone, GeoTIFF predictions at the input place', async () => {
  const dataDir = tempDir();
  const sample = run(['sample', '--multispectral', '--count', '16', '--size', '128', '--data-dir', dataDir]);
  assert.equal(sample.status, 0, sample.stderr);
  assert.match(sample.stdout, /Bands: 7 x uint16 \(multispectral GeoTIFF\): 1 SWIR, 2 NIR, 3 Red, 4 Green, 5 Blue, 6 Cloud, 7 DEM/);
  const kelp = /index 2\s+Kelp\s+([\d.]+)% of pixels/.exec(sample.stdout);
  assert.ok(kelp && Number(kelp[1]) < 2, `Kelp is a minority under 2%: ${sample.stdout}`);

  // Kelp's visible bands equal the water's; only its near infrared differs, and every tile has its own illumination.
  const config = join(dataDir, 'tiny.json');
  writeFileSync(config, JSON.stringify({ modelOptions: { depth: 2, width: 8 }, stepsPerEpoch: 20, optimizer: { lr: 0.01 } }));
  const train = (extra: string[]) =>
    run(
      [
        'train',
        '--dataset',
        'sample',
        '--epochs',
        '6',
        '--size',
        '64',
        '--batch',
        '8',
        '--bands',
        'Red,Green,Blue',
        ...extra,
        '--minority-crops',
        'Kelp',
        '--minority-share',
        '0.5',
        '--config',
        config,
        '--json',
        '--data-dir',
        dataDir,
      ],
      180_000,
    );
  const rgb = train([]);
  assert.equal(rgb.status, 0, rgb.stderr);
  const ndvi = train(['--index', 'NDVI']);
  assert.equal(ndvi.status, 0, ndvi.stderr);
  const rgbIou = (JSON.parse(rgb.stdout) as { perClassIou: Record<string, number> }).perClassIou.Kelp!;
  const withIndex = JSON.parse(ndvi.stdout) as { runId: string; perClassIou: Record<string, number> };
  assert.ok(withIndex.perClassIou.Kelp! > rgbIou + 0.1, `Kelp IoU with NDVI ${withIndex.perClassIou.Kelp} against RGB alone ${rgbIou}`);

  const out = join(dataDir, 'predicted');
  const predicted = run([
    'predict',
    '--run',
    withIndex.runId,
    '--images',
    join(dataDir, 'sample-multispectral', 'images'),
    '--out',
    out,
    '--data-dir',
    dataDir,
  ]);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.match(predicted.stdout, /Wrote 16 prediction\(s\) .*<name>_mask\.tif \(GeoTIFF with the input's CRS and transform/);
  for (const name of ['kelp_0003', 'kelp_0012']) {
    const input = await readGeoTiff(join(dataDir, 'sample-multispectral', 'images', `${name}.tif`));
    const output = await readGeoTiff(join(out, `${name}_mask.tif`), { pixels: true });
    assert.deepEqual(output.info.georeference, input.info.georeference);
    assert.deepEqual([output.width, output.height, output.info.bands], [input.width, input.height, 1]);
    assert.ok(
      Array.from(output.bands[0]!).every((v) => v <= 2),
      'mask values of the dataset: 0 water, 1 land, 2 kelp',
    );
  }

  const yellow = train(['--bands', 'Red,Yellow']);
  assert.notEqual(yellow.status, 0);
  assert.match(yellow.stderr, /no band "Yellow"; the bands are 1 SWIR, 2 NIR, 3 Red/);
  const twice = run(['train', '--dataset', 'sample', '--index', 'X=(NIR-NIR)/(NIR+NIR)', '--data-dir', dataDir]);
  assert.notEqual(twice.status, 0);
  assert.match(twice.stderr, /Input channels: index X uses band 2 twice; its two bands must differ/);

  // The same data directory in the app's services: band statistics, the value under the cursor, band views, names.
  const services = testServices({ dataDir });
  try {
    const api = createMemoryClient(services);
    const [dataset] = await api.invoke('datasets:list', {});
    const stats = await api.invoke('datasets:stats', { datasetId: dataset!.id });
    assert.equal(stats.bands?.over, 'train');
    assert.equal(stats.bands?.stats.length, 7);
    const nir = stats.bands!.stats[1]!;
    assert.ok(nir.p2 < nir.mean && nir.mean < nir.p98, JSON.stringify(nir));
    assert.ok(
      stats.bands!.stats.some((s) => s.nodataShare > 0),
      'some tiles carry a nodata strip',
    );
    const images = await api.invoke('datasets:images', { datasetId: dataset!.id });
    const imageId = images.items[0]!.id;
    const detail = await api.invoke('datasets:image', { imageId });
    assert.equal(detail.raster?.georeference?.epsg, 32610);
    const pixel = await api.invoke('datasets:pixel', { imageId, x: 10, y: 20 });
    assert.equal(pixel.values.length, 7);
    assert.equal(pixel.names[1], 'NIR');
    await assert.rejects(api.invoke('datasets:pixel', { imageId, x: 500, y: 0 }), /outside the 128x128 image/);
    for (const view of [null, 'rgb:2,3,4', 'band:7', 'nd:2,3']) {
      const file = await services.files('image', String(imageId), undefined, view);
      assert.equal(file.kind, 'buffer');
      const meta = await sharp(file.kind === 'buffer' ? file.body : '').metadata();
      assert.deepEqual([meta.format, meta.width, meta.channels], ['png', 128, 3]);
    }
    await assert.rejects(services.files('image', String(imageId), undefined, 'band:9'), /Band 9 does not exist: the image has bands 1 to 7/);
    await assert.rejects(services.files('image', String(imageId), undefined, 'hsv:1'), /is not a band view/);
    const renamed = await api.invoke('datasets:renameBands', { datasetId: dataset!.id, names: ['SWIR1', 'NIR', 'Red', 'Green', 'Blue', 'Cloud', 'Elevation'] });
    assert.equal(renamed.bands?.names[6], 'Elevation');
    await assert.rejects(api.invoke('datasets:renameBands', { datasetId: dataset!.id, names: ['a', 'b'] }), /has 7 bands; give 7 names/);
  } finally {
    await services.close();
  }

  // A folder mixing band layouts: the odd image is skipped with the reason, the rest import.
  const mixed = join(dataDir, 'mixed');
  mkdirSync(join(mixed, 'images'), { recursive: true });
  mkdirSync(join(mixed, 'masks'), { recursive: true });
  for (const file of readdirSync(join(dataDir, 'sample-multispectral', 'images')).slice(0, 3)) {
    copyFileSync(join(dataDir, 'sample-multispectral', 'images', file), join(mixed, 'images', file));
    copyFileSync(join(dataDir, 'sample-multispectral', 'masks', file), join(mixed, 'masks', file));
  }
  const place = {
    epsg: 32610,
    geoKeys: { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32610 },
    geotransform: [0, 30, 0, 0, 0, -30] as [number, number, number, number, number, number],
  };
  await writeGeoTiff(join(mixed, 'images', 'zz_four.tif'), new Uint16Array(8 * 8 * 4).fill(100), { width: 8, height: 8, bands: 4, georeference: place });
  await writeGeoTiff(join(mixed, 'masks', 'zz_four.tif'), new Uint8Array(64), { width: 8, height: 8, bands: 1, georeference: place });
  const imported = run(['import', '--images', join(mixed, 'images'), '--masks', join(mixed, 'masks'), '--name', 'mixed', '--data-dir', dataDir]);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /Indexed: 3 of 4; problems: 1/);
  assert.match(imported.stdout, /skipped zz_four: Skipped: it has 4 bands of uint16, but the dataset's images have 7 bands of uint16/);
});
