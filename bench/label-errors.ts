/**
 * How well "Find label errors" finds real-looking label errors (issue 19). A copy of dubai-aerial,
 * each tile shrunk to `--long-side` px (2 cores), with a seeded 15% of its masks corrupted:
 *   relabel   a region of Vegetation as Land, or of Land as Vegetation (confusable classes)
 *   road      a region of Road labelled Land
 *   building  a building missing (labelled as the Land around it)
 *   shift     the whole mask shifted by 8-16 px
 *   boundary  one class's boundary eroded or dilated by 4 px
 * Unlabeled is the ignore class (as the Classes tab offers). The check (K = 3 fold models, the quick preset's small U-Net at `--size`) scores every image; the
 * bench prints, per score and per corruption kind, the AUPRC (average precision) and precision at
 * k (k = number of corrupted images of that kind) of the image ranking, and the pixel precision and
 * recall of the flagged regions against the corrupted pixels. Confident disagreement (the review
 * queue's score) is printed beside the new ones, on the same predictions.
 *
 * It also prints the fold plan (each pixel seen about N times) and the strength gate: out-of-fold
 * mIoU and, per class, self-confidence against its chance level and pixel share (issue 31).
 *
 * Run: node --import tsx bench/label-errors.ts [--epochs N] [--size 128] [--long-side 256] [--folds 3] [--seed 1]
 * (--epochs: passes over each training pixel; the quick preset's 8 when left out. Figures before
 * issue 31 counted epochs over images: 16 of them were 192 steps, about 4 passes.)
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { consoleLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';
import { findPreset, hexToValue } from '../src-shared/classes';
import { connectedRegions, labelErrorPlanText, strengthClassFigures, strengthNotes, strengthSummary } from '../src-shared/label-errors';
import { mulberry32 } from '../src-shared/random';
import { tempDir } from './support/temp-dir';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const epochs = process.argv.includes('--epochs') ? arg('epochs', 0) : undefined;
const size = arg('size', 128);
const longSide = arg('long-side', 256);
const folds = arg('folds', 3);
const seed = arg('seed', 1);

const kinds = ['relabel', 'road', 'building', 'shift', 'boundary'] as const;
type Kind = (typeof kinds)[number];

const preset = findPreset('dubai-aerial')!;
const colour = (name: string): number => hexToValue(preset.classes.find((c) => c.name === name)!.color);
const LAND = colour('Land (unpaved)');
const ROAD = colour('Road');
const VEG = colour('Vegetation');
const BUILDING = colour('Building');
const UNLABELED = colour('Unlabeled');

interface Mask {
  width: number;
  height: number;
  values: Uint32Array;
}

async function readRgbMask(path: string | Buffer): Promise<Mask> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const values = new Uint32Array(info.width * info.height);
  for (let p = 0; p < values.length; p += 1) values[p] = (data[p * 3]! << 16) | (data[p * 3 + 1]! << 8) | data[p * 3 + 2]!;
  return { width: info.width, height: info.height, values };
}

async function writeRgbMask(path: string, mask: Mask): Promise<void> {
  const rgb = Buffer.alloc(mask.values.length * 3);
  mask.values.forEach((v, p) => {
    rgb[p * 3] = v >> 16;
    rgb[p * 3 + 1] = (v >> 8) & 255;
    rgb[p * 3 + 2] = v & 255;
  });
  await sharp(rgb, { raw: { width: mask.width, height: mask.height, channels: 3 } })
    .png()
    .toFile(path);
}

/** The largest connected region of `value` covering at least `minShare` of the image, relabelled `to`; false when there is none. */
function relabelRegion(mask: Mask, value: number, to: number, minShare = 0.005): boolean {
  const flag = Uint8Array.from(mask.values, (v) => (v === value ? 1 : 0));
  const { labels, regions } = connectedRegions(flag, mask.width, mask.height);
  const best = regions.map((r, i) => ({ ...r, id: i + 1 })).sort((a, b) => b.pixels - a.pixels)[0];
  if (!best || best.pixels < mask.values.length * minShare) return false;
  for (let p = 0; p < labels.length; p += 1) if (labels[p] === best.id) mask.values[p] = to;
  return true;
}

function shift(mask: Mask, random: () => number): void {
  const amount = (): number => (random() < 0.5 ? -1 : 1) * (8 + Math.floor(random() * 9));
  const dx = amount();
  const dy = amount();
  const old = mask.values.slice();
  for (let y = 0; y < mask.height; y += 1) {
    for (let x = 0; x < mask.width; x += 1) {
      const sx = Math.min(mask.width - 1, Math.max(0, x - dx));
      const sy = Math.min(mask.height - 1, Math.max(0, y - dy));
      mask.values[y * mask.width + x] = old[sy * mask.width + sx]!;
    }
  }
}

/** Dilates (grow) or erodes (shrink) one class by `radius` px; eroded pixels take the image's most common other class. */
function boundary(mask: Mask, value: number, grow: boolean, radius = 4): boolean {
  const old = mask.values.slice();
  const counts = new Map<number, number>();
  for (const v of old) if (v !== value && v !== UNLABELED) counts.set(v, (counts.get(v) ?? 0) + 1);
  const other = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (other === undefined || !old.includes(value)) return false;
  for (let y = 0; y < mask.height; y += 1) {
    for (let x = 0; x < mask.width; x += 1) {
      const p = y * mask.width + x;
      if ((old[p] === value) === grow) continue;
      let near = false;
      for (let dy = -radius; dy <= radius && !near; dy += 1) {
        for (let dx = -radius; dx <= radius && !near; dx += 1) {
          const sx = x + dx;
          const sy = y + dy;
          if (sx < 0 || sy < 0 || sx >= mask.width || sy >= mask.height || dx * dx + dy * dy > radius * radius) continue;
          near = (old[sy * mask.width + sx] === value) === grow;
        }
      }
      if (near && old[p] !== UNLABELED) mask.values[p] = grow ? value : other;
    }
  }
  return true;
}

/** Applies `kind` (or, when the tile has nothing for it, the next kind that applies); returns the kind applied. */
function corrupt(mask: Mask, kind: Kind, random: () => number): Kind {
  for (let k = 0; k < kinds.length; k += 1) {
    const tryKind = kinds[(kinds.indexOf(kind) + k) % kinds.length]!;
    const ok =
      tryKind === 'relabel'
        ? random() < 0.5
          ? relabelRegion(mask, VEG, LAND) || relabelRegion(mask, LAND, VEG)
          : relabelRegion(mask, LAND, VEG) || relabelRegion(mask, VEG, LAND)
        : tryKind === 'road'
          ? relabelRegion(mask, ROAD, LAND)
          : tryKind === 'building'
            ? relabelRegion(mask, BUILDING, LAND, 0.001)
            : tryKind === 'shift'
              ? (shift(mask, random), true)
              : boundary(mask, mask.values.includes(BUILDING) ? BUILDING : mask.values.includes(ROAD) ? ROAD : VEG, random() < 0.5);
    if (ok) return tryKind;
  }
  throw new Error('no corruption applies');
}

/** Average precision of a ranking (worst first) for the positives among `ranked`. */
function averagePrecision(ranked: readonly boolean[]): number {
  let hits = 0;
  let sum = 0;
  ranked.forEach((positive, i) => {
    if (!positive) return;
    hits += 1;
    sum += hits / (i + 1);
  });
  return hits > 0 ? sum / hits : NaN;
}

function precisionAtK(ranked: readonly boolean[], k: number): number {
  return ranked.slice(0, k).filter(Boolean).length / k;
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = tempDir('segbench-label-bench-');
  const dubai = join('..', 'shared', 'data', 'dubai-aerial');
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  const stems = readdirSync(join(dubai, 'images'))
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .map((f) => basename(f, extname(f)))
    .sort();
  const random = mulberry32(seed);
  const order = stems.map((s) => s);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const corrupted = new Map<string, { kind: Kind; pixels: Uint8Array }>();
  const chosen = order.slice(0, Math.round(stems.length * 0.15));
  for (const stem of stems) {
    const imageFile = readdirSync(join(dubai, 'images')).find((f) => basename(f, extname(f)) === stem)!;
    const meta = await sharp(join(dubai, 'images', imageFile)).metadata();
    const scale = longSide / Math.max(meta.width!, meta.height!);
    const width = Math.round(meta.width! * scale);
    const height = Math.round(meta.height! * scale);
    await sharp(join(dubai, 'images', imageFile))
      .resize(width, height)
      .png()
      .toFile(join(root, 'images', `${stem}.png`));
    const maskBuffer = await sharp(join(dubai, 'masks', `${stem}.png`))
      .removeAlpha()
      .resize(width, height, { kernel: 'nearest' })
      .png()
      .toBuffer();
    const mask = await readRgbMask(maskBuffer);
    const index = chosen.indexOf(stem);
    if (index >= 0) {
      const original = mask.values.slice();
      const kind = corrupt(mask, kinds[index % kinds.length]!, random);
      const pixels = Uint8Array.from(mask.values, (v, p) => (v !== original[p] && v !== UNLABELED && original[p] !== UNLABELED ? 1 : 0));
      corrupted.set(stem, { kind, pixels });
    }
    await writeRgbMask(join(root, 'masks', `${stem}.png`), mask);
  }
  const byKind = kinds.map((k) => `${k} ${[...corrupted.values()].filter((c) => c.kind === k).length}`).join(', ');
  console.log(`dubai-aerial, ${stems.length} tiles shrunk to ${longSide} px on the long side; ${corrupted.size} masks corrupted (seed ${seed}): ${byKind}`);

  const services = createAppServices({
    dataDir: tempDir('segbench-label-bench-data-'),
    mode: 'cli',
    launcher: childProcessLauncher({ entry: join(process.cwd(), 'src-main/engine/engine.ts'), execArgv: ['--import', 'tsx'] }),
    logger: { ...consoleLogger, info: () => {} },
  });
  const dataset = await services.datasets.import({
    name: 'dubai-corrupted',
    imagesDir: join(root, 'images'),
    masksDir: join(root, 'masks'),
    preset: 'dubai-aerial',
  });
  await services.jobs.whenIdle();
  // Unlabeled is the ignore class, as the Classes tab offers it: no score for pixels nobody labelled.
  const detail = await services.api.invoke('datasets:get', { datasetId: dataset.id });
  await services.api.invoke('datasets:setClasses', { datasetId: dataset.id, classes: detail.classes.map((c) => ({ ...c, ignore: c.name === 'Unlabeled' })) });
  const checkStarted = Date.now();
  const check = await services.api.invoke('labelErrors:start', {
    datasetId: dataset.id,
    folds,
    ...(epochs !== undefined && { epochs }),
    inputSize: size,
    seed,
  });
  console.log(`plan: ${labelErrorPlanText(check.plan!)}`);
  const job = services.jobs.list().find((j) => j.kind === 'label-errors')!;
  const timer = setInterval(() => {
    const now = services.jobs.get(job.id);
    if (now.progress) console.log(`  ${now.progress.message} (${Math.round((Date.now() - checkStarted) / 1000)} s, ${now.progress.etaSeconds ?? '?'} s left)`);
  }, 30_000);
  await services.jobs.whenIdle();
  clearInterval(timer);
  const ended = services.jobs.get(job.id);
  if (ended.status !== 'finished') throw new Error(`the check ended ${ended.status}: ${ended.reason}`);
  const checkSeconds = (Date.now() - checkStarted) / 1000;
  const queue = await services.api.invoke('labelErrors:queue', { checkId: check.id, limit: 5000 });
  const items = queue.items;
  const config = (ended.params as { config: { modelOptions: { depth: number; width: number }; batchSize: number } }).config;
  console.log(
    `check: ${folds} folds, U-Net depth ${config.modelOptions.depth} width ${config.modelOptions.width}, ${check.plan!.epochs} epochs (${check.plan!.stepsPerFold} steps) of batch ${config.batchSize} at ${size} px, ${ended.result ? (ended.result as { images: unknown[] }).images.length : 0} images scored in ${checkSeconds.toFixed(0)} s (${services.jobs.get(job.id).result ? 'finished' : ''})`,
  );
  console.log(`class thresholds: ${queue.check.classNames.map((n, i) => `${n} ${queue.check.thresholds![i]?.toFixed(2) ?? '-'}`).join(', ')}`);
  const strength = queue.check.strength!;
  console.log(
    `strength gate: ${strengthSummary(strength)}; per class, self-confidence / on other classes' pixels / pixel share: ${strengthClassFigures(strength, queue.check.classNames).join(', ')}`,
  );
  const notes = strengthNotes(strength, queue.check.classNames);
  for (const note of [notes.overall, ...notes.classes.map((c) => c.text)]) if (note) console.log(`  ${note}`);

  const scores: { name: string; key: (i: (typeof items)[number]) => number }[] = [
    { name: 'softmin (T=0.1)', key: (i) => i.softmin ?? Infinity },
    { name: 'below class threshold', key: (i) => -i.belowShare },
    { name: 'confident disagreement', key: (i) => -i.disagreement },
  ];
  const header = `${'score'.padEnd(24)}${'kind'.padEnd(10)}${'n'.padStart(3)}${'AUPRC'.padStart(8)}${'P@k'.padStart(7)}`;
  console.log(
    `\nImage ranking (${corrupted.size} corrupted of ${items.length}; a random ranking has AUPRC about ${(corrupted.size / items.length).toFixed(2)})`,
  );
  console.log(header);
  for (const score of scores) {
    const ranked = [...items].sort((a, b) => score.key(a) - score.key(b) || a.stem.localeCompare(b.stem));
    const rows: [string, string[]][] = [
      ['all', [...corrupted.keys()]],
      ...kinds.map((k) => [k, [...corrupted].filter(([, c]) => c.kind === k).map(([s]) => s)] as [string, string[]]),
    ];
    for (const [kind, positives] of rows) {
      if (positives.length === 0) continue;
      // Per kind: that kind's images against the clean ones (other corrupted images left out).
      const pool = ranked.filter((i) => kind === 'all' || positives.includes(i.stem) || !corrupted.has(i.stem));
      const flags = pool.map((i) => positives.includes(i.stem));
      console.log(
        `${score.name.padEnd(24)}${kind.padEnd(10)}${String(positives.length).padStart(3)}${averagePrecision(flags).toFixed(3).padStart(8)}${precisionAtK(flags, positives.length).toFixed(2).padStart(7)}`,
      );
    }
  }

  // Pixels: the flagged regions against the corrupted pixels.
  const outDir = services.db.prepare<[number], string>('SELECT out_dir FROM label_checks WHERE id = ?').pluck().get(check.id)!;
  const totals = new Map<string, { flagged: number; corrupted: number; both: number }>();
  for (const item of items) {
    const flag = await sharp(join(outDir, `${item.imageId}_flag.png`))
      .extractChannel(0)
      .raw()
      .toBuffer();
    const entry = corrupted.get(item.stem);
    const kind = entry?.kind ?? 'clean';
    const total = totals.get(kind) ?? { flagged: 0, corrupted: 0, both: 0 };
    for (let p = 0; p < flag.length; p += 1) {
      const f = flag[p] === 255;
      const c = entry ? entry.pixels[p] === 1 : false;
      if (f) total.flagged += 1;
      if (c) total.corrupted += 1;
      if (f && c) total.both += 1;
    }
    totals.set(kind, total);
  }
  console.log('\nFlagged regions against corrupted pixels (summed over the images of each kind)');
  console.log(`${'kind'.padEnd(10)}${'corrupted px'.padStart(14)}${'flagged px'.padStart(12)}${'precision'.padStart(11)}${'recall'.padStart(8)}`);
  for (const kind of [...kinds, 'clean']) {
    const t = totals.get(kind);
    if (!t) continue;
    const precision = t.flagged > 0 ? (t.both / t.flagged).toFixed(3) : '-';
    const recall = t.corrupted > 0 ? (t.both / t.corrupted).toFixed(3) : '-';
    console.log(`${kind.padEnd(10)}${String(t.corrupted).padStart(14)}${String(t.flagged).padStart(12)}${precision.padStart(11)}${recall.padStart(8)}`);
  }
  console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(0)} s (check ${checkSeconds.toFixed(0)} s)`);
  await services.close();
}

void main();
