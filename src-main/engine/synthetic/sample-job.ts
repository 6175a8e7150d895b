import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { findPreset, hexToValue } from '../../../src-shared/classes';
import { mulberry32 } from '../../../src-shared/random';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import { renderScene } from './scene';
import type { Georeference } from '../../../src-shared/bands';
import { writeGeoTiff } from '../../geotiff/geotiff-io';
import { kelpBandNames, kelpNodata, renderKelpScene } from './kelp-scene';

const samplePresetId = 'segbench-sample';

/**
 * The `sample` job: writes `count` synthetic tiles (JPEG images with RGB-palette PNG masks; for
 * kind `multispectral`, 7-band GeoTIFFs with index GeoTIFF masks) into `outDir/images` and
 * `outDir/masks`. Tile i depends only on (seed, i), so the dataset is the
 * same on every machine.
 */
export async function runSampleJob(params: JobParams<'sample'>, context: JobContext): Promise<JobResult<'sample'>> {
  if (params.kind === 'multispectral') return writeTiles(params, context, writeKelpTile);
  const preset = findPreset(samplePresetId);
  if (!preset) throw new Error('The sample preset is missing.');
  const palette = preset.classes.map((c) => hexToValue(c.color));
  return writeTiles(params, context, async (i, dirs) => {
    const { size } = params;
    const scene = renderScene(size, mulberry32(params.seed * 7919 + i));
    const maskRgb = new Uint8Array(size * size * 3);
    for (let p = 0; p < scene.classes.length; p += 1) {
      const value = palette[scene.classes[p]!] ?? 0;
      maskRgb[p * 3] = value >> 16;
      maskRgb[p * 3 + 1] = (value >> 8) & 255;
      maskRgb[p * 3 + 2] = value & 255;
    }
    const name = `sample_${String(i + 1).padStart(4, '0')}`;
    const raw = { width: size, height: size, channels: 3 as const };
    const [jpeg, png] = await Promise.all([
      sharp(scene.image, { raw }).jpeg({ quality: 90 }).toBuffer(),
      sharp(maskRgb, { raw }).png({ compressionLevel: 6 }).toBuffer(),
    ]);
    await writeAtomic(join(dirs.images, `${name}.jpg`), jpeg);
    await writeAtomic(join(dirs.masks, `${name}.png`), png);
  });
}

/** `outDir/images` and `outDir/masks`, then tile 0..count-1 (each from (seed, i) only), with progress and Stop. */
async function writeTiles(
  params: JobParams<'sample'>,
  context: JobContext,
  writeOne: (i: number, dirs: { images: string; masks: string }, params: JobParams<'sample'>) => Promise<void>,
): Promise<JobResult<'sample'>> {
  const dirs = { images: join(params.outDir, 'images'), masks: join(params.outDir, 'masks') };
  await mkdir(dirs.images, { recursive: true });
  await mkdir(dirs.masks, { recursive: true });
  for (let i = 0; i < params.count; i += 1) {
    throwIfCancelled(context.signal);
    await writeOne(i, dirs, params);
    if ((i + 1) % 10 === 0 || i + 1 === params.count) context.progress(i + 1, params.count, `generated ${i + 1} of ${params.count} tiles`);
  }
  return { outDir: params.outDir, count: params.count };
}

async function writeAtomic(path: string, data: Buffer): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/**
 * One tile of the multispectral sample: a 7-band uint16 GeoTIFF (SWIR, NIR, Red, Green, Blue,
 * Cloud, DEM; band names in the file; nodata 0) and a single-band index GeoTIFF mask, placed on a
 * UTM 10N grid at 30 m, ten tiles a row, so predictions can be checked for their place.
 */
async function writeKelpTile(i: number, dirs: { images: string; masks: string }, params: JobParams<'sample'>): Promise<void> {
  const { size } = params;
  const scene = renderKelpScene(size, mulberry32(params.seed * 7919 + i));
  const georeference: Georeference = {
    epsg: 32610,
    geoKeys: { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32610 },
    geotransform: [400_000 + (i % 10) * size * 30, 30, 0, 3_900_000 - Math.floor(i / 10) * size * 30, 0, -30],
  };
  const name = `kelp_${String(i + 1).padStart(4, '0')}`;
  await writeGeoTiff(join(dirs.images, `${name}.tif`), scene.bands, {
    width: size,
    height: size,
    bands: 7,
    georeference,
    nodata: kelpNodata,
    names: kelpBandNames,
  });
  await writeGeoTiff(join(dirs.masks, `${name}.tif`), scene.classes, { width: size, height: size, bands: 1, georeference });
}
