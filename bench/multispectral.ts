/**
 * Multispectral throughput (issue: datasets). The same 350x350 kelp scenes three ways, through
 * the app's own services (import + indexing job, training runs on wasm):
 *   - RGB: the scenes' Red, Green and Blue bands stretched to 8-bit PNG (the reference: sharp);
 *   - GeoTIFF, 3 channels: the 7-band uint16 GeoTIFFs, training on Red, Green, Blue only;
 *   - GeoTIFF, 9 channels: every band plus NDVI and NDWI, computed in the data pipeline.
 * Indexing is timed from import to ready (pairing, decode, per-band sums and samples, thumbnails),
 * three imports each, median. Training reports images/s per epoch (median over epochs 2..N; the
 * first epoch decodes into the cache), same model, steps and seed.
 * Run: node --import tsx bench/multispectral.ts [--tiles 40] [--epochs 4]
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { percentileRange, stretchComposite } from '../src-shared/band-stats';
import { readGeoTiff } from '../src-main/geotiff/geotiff-io';
import { runSampleJob } from '../src-main/engine/synthetic/sample-job';
import { createMemoryClient } from '../src-main/ipc/memory-transport';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { silentLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';
import type { RunConfigInput } from '../src-shared/run-config';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const tiles = arg('--tiles', 40);
const epochs = arg('--epochs', 4);
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const quiet = { signal: new AbortController().signal, progress: () => {}, log: () => {}, emit: () => {} };

/** The GeoTIFF scenes' Red, Green, Blue as 8-bit PNGs (2-98% stretch) with PNG masks: the RGB reference. */
async function rgbTwins(geoDir: string, outDir: string): Promise<void> {
  mkdirSync(join(outDir, 'images'), { recursive: true });
  mkdirSync(join(outDir, 'masks'), { recursive: true });
  for (const name of readdirSync(join(geoDir, 'images'))) {
    const file = await readGeoTiff(join(geoDir, 'images', name), { pixels: true, only: [3, 4, 5] });
    const [r, g, b] = file.bands as [Uint16Array, Uint16Array, Uint16Array];
    const rgb = stretchComposite(
      [r, g, b],
      [r, g, b].map((band) => percentileRange(band, 0)),
      file.width * file.height,
      0,
    );
    const raw = { width: file.width, height: file.height };
    await sharp(Buffer.from(rgb), { raw: { ...raw, channels: 3 } })
      .png()
      .toFile(join(outDir, 'images', name.replace('.tif', '.png')));
    const mask = await readGeoTiff(join(geoDir, 'masks', name), { pixels: true });
    await sharp(Buffer.from(mask.bands[0]! as Uint8Array), { raw: { ...raw, channels: 1 } })
      .png()
      .toFile(join(outDir, 'masks', name.replace('.tif', '.png')));
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'segbench-bench-ms-'));
  const geo = join(root, 'geotiff');
  const rgb = join(root, 'rgb');
  await runSampleJob({ outDir: geo, count: tiles, size: 350, seed: 42, kind: 'multispectral' }, quiet);
  await rgbTwins(geo, rgb);
  console.log(`Multispectral benchmark: ${tiles} kelp tiles of 350x350; sharp ${sharp.versions.sharp}; 2 cores, wasm backend`);

  // The engine from source under tsx: the bench needs no build.
  const launcher = childProcessLauncher({ entry: resolve('src-main/engine/engine.ts'), execArgv: ['--import', 'tsx'] });
  const services = createAppServices({ dataDir: join(root, 'data'), mode: 'memory', launcher, logger: silentLogger });
  const api = createMemoryClient(services);
  try {
    const ids: Record<string, string> = {};
    const indexing: Record<string, number[]> = { rgb: [], geo: [] };
    for (let repeat = 0; repeat < 3; repeat += 1) {
      for (const [kind, dir] of [
        ['rgb', rgb],
        ['geo', geo],
      ] as const) {
        const started = performance.now();
        const summary = await api.invoke('datasets:import', {
          name: `${kind}-${repeat}`,
          imagesDir: join(dir, 'images'),
          masksDir: join(dir, 'masks'),
          preset: 'segbench-kelp',
        });
        await services.jobs.whenIdle();
        indexing[kind]!.push((performance.now() - started) / 1000);
        ids[kind] = summary.id;
      }
    }
    const rate = (kind: string): number => tiles / median(indexing[kind]!);
    console.log('\nIndexing, import to ready (median of 3 imports):');
    console.log(`  RGB PNG (sharp):                      ${rate('rgb').toFixed(1)} tiles/s (${indexing.rgb!.map((s) => s.toFixed(2)).join(', ')} s)`);
    console.log(`  7-band uint16 GeoTIFF (geotiff.js):   ${rate('geo').toFixed(1)} tiles/s (${indexing.geo!.map((s) => s.toFixed(2)).join(', ')} s)`);
    console.log(`  ratio, GeoTIFF time / RGB time:       ${(median(indexing.geo!) / median(indexing.rgb!)).toFixed(2)}x`);

    const base: Omit<RunConfigInput, 'datasetId'> = {
      backend: 'wasm',
      model: 'unet',
      modelOptions: { depth: 3, width: 16 },
      inputSize: 128,
      batchSize: 8,
      epochs,
      stepsPerEpoch: 10,
      validateEvery: epochs,
      seed: 1,
    };
    const variants: [string, RunConfigInput][] = [
      ['RGB PNG, 3 channels', { ...base, datasetId: ids.rgb! }],
      ['GeoTIFF, Red Green Blue (3 channels)', { ...base, datasetId: ids.geo!, inputChannels: { bands: [3, 4, 5], indices: [] } }],
      [
        'GeoTIFF, 7 bands + NDVI + NDWI (9)',
        {
          ...base,
          datasetId: ids.geo!,
          inputChannels: {
            bands: [1, 2, 3, 4, 5, 6, 7],
            indices: [
              { name: 'NDVI', kind: 'normalized-difference', a: 2, b: 3 },
              { name: 'NDWI', kind: 'normalized-difference', a: 4, b: 2 },
            ],
          },
        },
      ],
    ];
    console.log(`\nTraining, U-Net depth 3 width 16 at 128 px, batch 8, ${epochs} epochs of 10 steps; images/s per epoch, median of epochs 2..${epochs}:`);
    const rates: number[] = [];
    for (const [label, config] of variants) {
      const run = await api.invoke('runs:start', config);
      await services.jobs.whenIdle();
      const detail = await api.invoke('runs:get', { runId: run.id });
      if (detail.status !== 'finished') throw new Error(`${label}: ${detail.status} ${detail.reason ?? ''}`);
      const perEpoch = detail.epochHistory.slice(1).map((e) => e.imagesPerSecond ?? 0);
      const waits = detail.epochHistory.slice(1).map((e) => e.dataWait ?? 0);
      rates.push(median(perEpoch));
      console.log(
        `  ${label.padEnd(38)} ${median(perEpoch).toFixed(1)} img/s (epochs: ${perEpoch.map((r) => r.toFixed(1)).join(', ')}), data wait ${(100 * median(waits)).toFixed(1)}%`,
      );
    }
    console.log(
      `  ratio to RGB PNG: GeoTIFF 3 channels ${(rates[0]! / rates[1]!).toFixed(2)}x the time, 9 channels ${(rates[0]! / rates[2]!).toFixed(2)}x the time`,
    );
  } finally {
    await services.close();
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
