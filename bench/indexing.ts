/**
 * Indexing throughput (issue: datasets). Prints tiles/s for SegBench's indexer (image check,
 * mask-value counts, image and mask thumbnails, 4 pairs in flight, as the engine job runs it)
 * next to the plain baseline "decode the mask with sharp and count classes in a JS loop", on
 * ../shared/data/dubai-aerial and on 2,000 synthetic 512x512 tiles; and the engine's memory as
 * the dataset grows. Run: node --import tsx bench/indexing.ts [--tiles 2000]
 */
import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runIndexJob } from '../src-main/engine/index/index-job';
import type { JobContext } from '../src-main/engine/job-context';
import { runSampleJob } from '../src-main/engine/synthetic/sample-job';
import type { IndexItem } from '../src-shared/indexing';
import { countMaskValues } from '../src-shared/mask-values';

const tilesArg = process.argv.indexOf('--tiles');
const syntheticCount = tilesArg > 0 ? Number(process.argv[tilesArg + 1]) : 2000;
const uniqueTiles = 200;

function pairs(imagesDir: string, masksDir: string): IndexItem[] {
  return readdirSync(masksDir)
    .filter((name) => name.endsWith('.png'))
    .sort()
    .map((name, i) => ({ imageId: i + 1, imagePath: join(imagesDir, name.replace(/\.png$/, '.jpg')), maskPath: join(masksDir, name) }));
}

/** The baseline of the issue: sequential sharp decode of each mask and a per-pixel Map count. */
async function baseline(items: readonly IndexItem[]): Promise<number> {
  const started = performance.now();
  for (const item of items) {
    const { data, info } = await sharp(item.maskPath).raw().toBuffer({ resolveWithObject: true });
    const counts = new Map<number, number>();
    for (let i = 0; i < data.length; i += info.channels) {
      const key = info.channels >= 3 ? (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]! : data[i]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return (performance.now() - started) / 1000;
}

/** The baseline's work (decode + count, no image, no thumbnails) through SegBench's decoder and counter. */
async function sameWork(items: readonly IndexItem[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      const { data, info } = await sharp(item.maskPath).raw().toBuffer({ resolveWithObject: true });
      countMaskValues(data, info.channels, 1024);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return (performance.now() - started) / 1000;
}

async function segbench(items: IndexItem[], rss: number[]): Promise<number> {
  const thumbDir = mkdtempSync(join(tmpdir(), 'segbench-bench-thumbs-'));
  const context: JobContext = {
    signal: new AbortController().signal,
    progress: () => rss.push(process.memoryUsage().rss),
    log: () => {},
    emit: () => {},
  };
  const started = performance.now();
  await runIndexJob({ datasetId: 'bench', thumbDir, thumbSize: 192, items }, context);
  const seconds = (performance.now() - started) / 1000;
  rmSync(thumbDir, { recursive: true, force: true });
  return seconds;
}

async function compare(label: string, items: IndexItem[]): Promise<void> {
  // Warm the OS file cache and sharp's libraries so neither side pays for the first read.
  await baseline(items.slice(0, 8));
  const rss: number[] = [];
  const ours = await segbench(items, rss);
  const base = await baseline(items);
  const same = await sameWork(items);
  const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  const quarter = (q: number) => mib(rss[Math.min(rss.length - 1, Math.floor((rss.length - 1) * q))] ?? 0);
  console.log(`\n${label}: ${items.length} tiles`);
  console.log(`  SegBench indexer (counts + 2 thumbnails, 4 in flight): ${(items.length / ours).toFixed(1)} tiles/s (${ours.toFixed(2)} s)`);
  console.log(`  baseline (sharp decode + JS count loop, sequential):   ${(items.length / base).toFixed(1)} tiles/s (${base.toFixed(2)} s)`);
  console.log(`  SegBench decode + count only (the baseline's work):   ${(items.length / same).toFixed(1)} tiles/s (${same.toFixed(2)} s)`);
  console.log(`  time ratio, full indexer / baseline: ${(ours / base).toFixed(2)}x (goal: at most 1.3x); same work / baseline: ${(same / base).toFixed(2)}x`);
  console.log(`  process RSS at 25/50/75/100% of the run: ${[0.25, 0.5, 0.75, 1].map(quarter).join(' / ')}`);
}

async function main(): Promise<void> {
  console.log(`Indexing benchmark; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, concurrency ${sharp.concurrency()} threads`);
  const dubai = join('..', 'shared', 'data', 'dubai-aerial');
  await compare('dubai-aerial (real JPEG + RGB palette PNG, 509x544 to 2149x1480)', pairs(join(dubai, 'images'), join(dubai, 'masks')));

  const root = mkdtempSync(join(tmpdir(), 'segbench-bench-tiles-'));
  const unique = join(root, 'unique');
  await runSampleJob(
    { outDir: unique, count: uniqueTiles, size: 512, seed: 7 },
    { signal: new AbortController().signal, progress: () => {}, log: () => {}, emit: () => {} },
  );
  // 2,000 files from 200 generated tiles (hard links): every file is decoded on its own.
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  for (let i = 0; i < syntheticCount; i += 1) {
    const source = `sample_${String((i % uniqueTiles) + 1).padStart(4, '0')}`;
    const name = `tile_${String(i).padStart(5, '0')}`;
    linkSync(join(unique, 'images', `${source}.jpg`), join(images, `${name}.jpg`));
    linkSync(join(unique, 'masks', `${source}.png`), join(masks, `${name}.png`));
  }
  await compare('synthetic 512x512 (JPEG + RGB palette PNG)', pairs(images, masks));
  rmSync(root, { recursive: true, force: true });
}

void main();
