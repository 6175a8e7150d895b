import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { runHashJob, signatureOfFile } from '../../../src-main/engine/duplicates/hash-job';
import { trueColourOf, writeGeoTiff } from '../../../src-main/geotiff/geotiff-io';
import { kelpBandNames, renderKelpScene } from '../../../src-main/engine/synthetic/kelp-scene';
import { mulberry32 } from '../../../src-shared/random';
import type { EngineData } from '../../../src-shared/engine-protocol';
import { similarity } from '../../../src-shared/duplicates';
import { dubaiDir } from '../../helpers/fixtures';
import { silentContext } from '../../helpers/job-context';
import { tempDir } from '../../helpers/services';

test('hash: a re-encoded, mirrored copy of a tile signs like the tile, another tile does not; unreadable files are counted', async () => {
  const dir = tempDir();
  const tile = join(dubaiDir, 'images', 'tile1_image_part_001.jpg');
  await sharp(tile).flop().jpeg({ quality: 70 }).toFile(join(dir, 'copy.jpg'));
  const emitted: EngineData[] = [];
  const context = { ...silentContext(), emit: (data: EngineData) => void emitted.push(data) };
  const items = [
    { imageId: 1, imagePath: tile, stamp: [1, 1] as [number, number] },
    { imageId: 2, imagePath: join(dir, 'copy.jpg'), stamp: [2, 2] as [number, number] },
    { imageId: 3, imagePath: join(dubaiDir, 'images', 'tile3_image_part_001.jpg'), stamp: [3, 3] as [number, number] },
    { imageId: 4, imagePath: join(dir, 'missing.jpg'), stamp: [4, 4] as [number, number] },
  ];
  assert.deepEqual(await runHashJob({ datasetId: 'd', items }, context), { hashed: 3, failed: 1 });
  const images = emitted.flatMap((e) => (e.kind === 'hashed' ? e.images : []));
  const [a, copy, other] = images.map((i) => i.signature);
  assert.ok(similarity(a!, copy!) >= 0.97, `copy ${similarity(a!, copy!)}`);
  assert.ok(similarity(a!, other!) < 0.97, `other ${similarity(a!, other!)}`);
});

test('a 7-band GeoTIFF (more bands than sharp reads) is hashed from its true-colour composite', async () => {
  const dir = tempDir();
  const scene = renderKelpScene(64, mulberry32(3));
  const tif = join(dir, 'kelp.tif');
  const georeference = {
    epsg: 32610,
    geoKeys: { ProjectedCSTypeGeoKey: 32610 },
    geotransform: [0, 30, 0, 0, 0, -30] as [number, number, number, number, number, number],
  };
  await writeGeoTiff(tif, scene.bands, { width: 64, height: 64, bands: 7, georeference, nodata: 0, names: kelpBandNames });
  const colour = (await trueColourOf(tif))!;
  const png = join(dir, 'kelp.png');
  await sharp(Buffer.from(colour.rgb), { raw: { width: 64, height: 64, channels: 3 } })
    .png()
    .toFile(png);
  assert.deepEqual(await signatureOfFile(tif), await signatureOfFile(png));
});
