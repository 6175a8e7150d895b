import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { keptShares, previewThresholds } from '../../../src-shared/derived';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import type { AppServices } from '../../../src-main/services/app-services';
import { dubaiSubset } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

let services: AppServices;
let api: ReturnType<typeof createMemoryClient>;
let sampleId: string;
let dubaiId: string;

before(async () => {
  services = testServices();
  api = createMemoryClient(services);
  const { imported } = services.samples.create({ count: 12, size: 48, seed: 3 });
  await services.jobs.whenIdle();
  sampleId = await imported;
  const folders = dubaiSubset(4);
  dubaiId = (await api.invoke('datasets:import', { name: 'dubai4', imagesDir: folders.images, masksDir: folders.masks })).id;
  await services.jobs.whenIdle();
});
after(() => services.close());

const targets = [
  { name: 'Building', color: '#dc3232' },
  { name: 'Water', color: '#2864c8' },
  { name: 'Vegetation', color: '#1e8c3c' },
  { name: 'Other', color: '#c8b482' },
];
const sampleMapping = { 'Bare land': 'Other', Cropland: 'Vegetation', Forest: 'Vegetation', Road: 'Other' };
const dubaiMapping = { 'Land (unpaved)': 'Other', Road: 'Other', Unlabeled: '@ignore' };

/** Independently: pixels per target class of a source, from its stored per-class counts and a name mapping. */
function mappedPixels(datasetId: string, mapping: Record<string, string>, where = '1'): number[] {
  const classes = services.db.prepare('SELECT classes FROM datasets WHERE id = ?').pluck().get(datasetId) as string;
  const names = (JSON.parse(classes) as { name: string }[]).map((c) => c.name);
  const rows = services.db
    .prepare(
      `SELECT c.class_index, SUM(c.pixels) AS pixels FROM image_classes c JOIN images i ON i.id = c.image_id WHERE i.dataset_id = ? AND i.state = 'indexed' AND ${where} GROUP BY c.class_index`,
    )
    .all(datasetId) as { class_index: number; pixels: number }[];
  const out = targets.map(() => 0);
  for (const row of rows) {
    const to = mapping[names[row.class_index]!] ?? names[row.class_index]!;
    const t = targets.findIndex((c) => c.name === to);
    if (t >= 0) out[t]! += row.pixels;
  }
  return out;
}

test('merge with a class mapping: the preview adds up from the sources; the merged dataset refers to their images and its indexed masks hold exactly the previewed pixels', async () => {
  const request = {
    name: 'merged',
    classes: targets,
    sources: [
      { datasetId: sampleId, mapping: sampleMapping },
      { datasetId: dubaiId, mapping: dubaiMapping },
    ],
  };
  const preview = await api.invoke('datasets:mergePreview', request);
  const expected = mappedPixels(sampleId, sampleMapping).map((p, t) => p + mappedPixels(dubaiId, dubaiMapping)[t]!);
  assert.deepEqual(preview.before, expected);
  assert.deepEqual(preview.after, expected, 'no drop, no filter: everything kept');
  assert.deepEqual(
    preview.sources.map((s) => [s.images, s.kept]),
    [
      [12, 12],
      [4, 4],
    ],
  );
  assert.deepEqual(
    preview.sources[1]!.mapping.find((m) => m.from === 'Unlabeled'),
    { from: 'Unlabeled', to: 'ignore' },
  );
  assert.deepEqual(preview.emptyClasses, []);

  const summary = await api.invoke('datasets:merge', request);
  assert.equal(summary.state, 'indexing');
  await services.jobs.whenIdle();
  const merged = await api.invoke('datasets:get', { datasetId: summary.id });
  assert.equal(merged.state, 'ready', JSON.stringify(merged.problems));
  assert.equal(merged.indexedCount, 16);
  assert.equal(merged.maskKind, 'index');
  assert.deepEqual(
    merged.classes.map((c) => [c.name, c.values, c.ignore]),
    [
      ['Building', [0], false],
      ['Water', [1], false],
      ['Vegetation', [2], false],
      ['Other', [3], false],
      ['Ignore', [255], true],
    ],
  );
  const stats = await api.invoke('datasets:stats', { datasetId: summary.id });
  const all = stats.splits.find((s) => s.split === 'all')!;
  assert.deepEqual(
    all.classes.slice(0, 4).map((c) => c.pixels),
    expected,
    'the written masks hold what the preview promised',
  );
  // Images are the sources' own files; splits come with them.
  const paths = services.db.prepare('SELECT stem, image_path, split FROM images WHERE dataset_id = ? ORDER BY stem').all(summary.id) as {
    stem: string;
    image_path: string;
    split: string;
  }[];
  const dubaiRow = paths.find((p) => p.stem === 'dubai4__tile1_image_part_001')!;
  assert.equal(
    dubaiRow.image_path,
    services.db.prepare("SELECT image_path FROM images WHERE dataset_id = ? AND stem = 'tile1_image_part_001'").pluck().get(dubaiId),
  );
  const sourceSplits = services.db.prepare('SELECT stem, split FROM images WHERE dataset_id = ?').all(sampleId) as { stem: string; split: string }[];
  for (const s of sourceSplits) assert.equal(paths.find((p) => p.stem.endsWith(`__${s.stem}`))?.split, s.split);
  const maskFiles = readdirSync(join(services.dataDir, 'derived', summary.id));
  assert.equal(maskFiles.length, 16);
  const { data } = await sharp(join(services.dataDir, 'derived', summary.id, 'dubai4__tile1_image_part_001.png'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.ok(
    [...new Set(data)].every((v) => [0, 1, 2, 3, 255].includes(v)),
    'index values of the targets, 255 where ignored',
  );

  // Training on it works like on any dataset.
  const run = await api.invoke('runs:start', {
    datasetId: summary.id,
    backend: 'wasm',
    model: 'unet',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 1,
  });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('runs:get', { runId: run.id })).status, 'finished');
});

test('merge: drop a class, filter by class share; a class left without pixels, an unknown target or class is refused with what is valid', async () => {
  const withWater = services.db
    .prepare(
      `SELECT COUNT(DISTINCT i.id) FROM images i JOIN image_classes c ON c.image_id = i.id WHERE i.dataset_id = ? AND c.class_index = 4 AND c.pixels > 0`,
    )
    .pluck()
    .get(dubaiId) as number;
  const dropped = await api.invoke('datasets:mergePreview', {
    name: 'm2',
    classes: targets,
    sources: [
      { datasetId: dubaiId, mapping: { ...dubaiMapping, Water: '@drop' } },
      { datasetId: sampleId, mapping: sampleMapping },
    ],
  });
  assert.equal(dropped.sources[0]!.droppedByClass, withWater);
  // Filter: leave out images where Other covers more than 50%; check each kept/left-out image independently.
  const filtered = await api.invoke('datasets:mergePreview', {
    name: 'm3',
    classes: targets,
    sources: [{ datasetId: sampleId, mapping: sampleMapping }],
    filters: [{ className: 'Other', maxShare: 0.5 }],
  });
  const otherShare = services.db
    .prepare(
      `SELECT i.id, SUM(CASE WHEN c.class_index IN (0, 4) THEN c.pixels ELSE 0 END) * 1.0 / (i.width * i.height) AS share FROM images i JOIN image_classes c ON c.image_id = i.id WHERE i.dataset_id = ? GROUP BY i.id`,
    )
    .all(sampleId) as { share: number }[];
  const over = otherShare.filter((r) => r.share > 0.5).length;
  assert.ok(over > 0 && over < 12, `some but not all sample tiles are mostly bare land or road (${over})`);
  assert.deepEqual([filtered.sources[0]!.droppedByFilter, filtered.sources[0]!.kept], [over, 12 - over]);

  await assert.rejects(
    api.invoke('datasets:merge', {
      name: 'm4',
      classes: [...targets, { name: 'Snow', color: '#ffffff' }],
      sources: [{ datasetId: sampleId, mapping: sampleMapping }],
    }),
    {
      code: 'VALIDATION',
      message: /The merge would leave "Snow" with no pixels\. Map a source class to it, loosen the filters, or remove that class\./,
    },
  );
  await assert.rejects(
    api.invoke('datasets:mergePreview', { name: 'm5', classes: targets, sources: [{ datasetId: sampleId, mapping: { ...sampleMapping, Road: 'Asphalt' } }] }),
    {
      code: 'VALIDATION',
      message: /class "Road" of "Sample: synthetic land cover" maps to "Asphalt", which is not a target class \(Building, Water, Vegetation, Other\)/,
    },
  );
  await assert.rejects(api.invoke('datasets:mergePreview', { name: 'm6', classes: targets, sources: [{ datasetId: sampleId, mapping: {} }] }), {
    code: 'VALIDATION',
    message:
      /class "Bare land" of "Sample: synthetic land cover" has no target class of that name; map it to one of Building, Water, Vegetation, Other, or to ignore or drop/,
  });
  await assert.rejects(api.invoke('datasets:merge', { name: 'merged', classes: targets, sources: [{ datasetId: sampleId, mapping: sampleMapping }] }), {
    code: 'CONFLICT',
    message: /already exists/,
  });
});

test('pseudo-labels: a run predicts unlabelled images; the kept share per class follows the threshold; the saved dataset keeps exactly the confident pixels', async () => {
  const run = await api.invoke('runs:start', {
    datasetId: sampleId,
    backend: 'wasm',
    model: 'unet',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 2,
    name: 'labeller',
  });
  await services.jobs.whenIdle();
  // Unlabelled images: four sample tiles (their masks not given) and a file that is not an image.
  const folder = tempDir('segbench-unlabelled-');
  const sampleDir = (await api.invoke('datasets:get', { datasetId: sampleId })).imagesDir;
  for (const file of readdirSync(sampleDir)
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, 4))
    copyFileSync(join(sampleDir, file), join(folder, file));
  writeFileSync(join(folder, 'zz-broken.jpg'), 'not an image');
  const set = await api.invoke('pseudo:start', { runId: run.id, imagesDir: folder });
  assert.equal(set.status, 'running');
  await services.jobs.whenIdle();
  await new Promise((resolve) => setImmediate(resolve));
  const done = (await api.invoke('pseudo:list', {})).find((s) => s.id === set.id)!;
  assert.equal(done.status, 'finished');
  assert.equal(done.images, 4);
  assert.match(done.skipped[0]?.message ?? '', /not a readable image/);
  const histogram = done.histogram!;
  assert.equal(histogram.length, 6);
  assert.equal(
    histogram.flat().reduce((a, b) => a + b, 0),
    4 * 48 * 48,
    'every predicted pixel counted once',
  );
  const totals = previewThresholds.map((t) => keptShares(histogram, t).kept.reduce((a, b) => a + b, 0));
  for (let i = 1; i < totals.length; i += 1) assert.ok(totals[i]! <= totals[i - 1]!, 'a higher threshold keeps no more pixels');

  // A two-step model is unsure everywhere: take the median confidence level, so about half the pixels stay.
  const levels = histogram[0]!.map((_, l) => histogram.reduce((n, c) => n + c[l]!, 0));
  let median = 0;
  for (let seen = 0; seen + levels[median]! < (4 * 48 * 48) / 2; median += 1) seen += levels[median]!;
  const threshold = median / 100;
  const top = levels.findLastIndex((n) => n > 0);
  if (top < 100) {
    await assert.rejects(api.invoke('pseudo:save', { setId: set.id, threshold: (top + 1) / 100, name: 'x' }), {
      code: 'VALIDATION',
      message: new RegExp(
        `No pixel reaches a confidence of ${(top + 1) / 100}: the most confident pixels are at ${(top / 100).toFixed(2)}\\. Lower the threshold\\.`,
      ),
    });
  }
  const expectedKept = keptShares(histogram, threshold).kept;
  const saved = await api.invoke('pseudo:save', { setId: set.id, threshold, name: 'pseudo' });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: saved.id });
  assert.equal(dataset.state, 'ready');
  assert.deepEqual(dataset.splitCounts, { train: 4, val: 0, test: 0, none: 0 });
  const stats = await api.invoke('datasets:stats', { datasetId: saved.id });
  const keptTotal = expectedKept.reduce((a, b) => a + b, 0);
  assert.ok(keptTotal > 0 && keptTotal < 4 * 48 * 48, `kept ${keptTotal}`);
  assert.deepEqual(
    stats.splits
      .find((s) => s.split === 'all')!
      .classes.slice(0, 6)
      .map((c) => c.pixels),
    expectedKept,
    'the masks keep exactly the pixels the preview counted',
  );

  // It merges into training: the labelled sample plus the pseudo-labelled images.
  const names = ['Bare land', 'Cropland', 'Forest', 'Water', 'Road', 'Building'];
  const colours = ['#c8b482', '#e6dc3c', '#1e8c3c', '#2864c8', '#aaaaaa', '#dc3232'];
  const merge = await api.invoke('datasets:mergePreview', {
    name: 'sample + pseudo',
    classes: names.map((name, i) => ({ name, color: colours[i]! })),
    sources: [{ datasetId: sampleId }, { datasetId: saved.id }],
  });
  assert.deepEqual(
    merge.sources.map((s) => s.kept),
    [12, 4],
  );

  await assert.rejects(api.invoke('pseudo:save', { setId: set.id, threshold: 1.5, name: 'x' }), {
    code: 'VALIDATION',
    message: /threshold: a threshold between 0 and 1, in steps of 0\.01/,
  });
  await assert.rejects(api.invoke('pseudo:save', { setId: set.id, threshold: 0.555, name: 'x' }), { code: 'VALIDATION', message: /in steps of 0\.01/ });
  await assert.rejects(api.invoke('pseudo:start', { runId: run.id, imagesDir: join(folder, 'missing') }), {
    code: 'VALIDATION',
    message: /does not exist or cannot be read/,
  });
  const empty = tempDir('segbench-empty-');
  mkdirSync(join(empty, 'sub'));
  await assert.rejects(api.invoke('pseudo:start', { runId: run.id, imagesDir: empty }), { code: 'VALIDATION', message: /No images \(JPEG, PNG, TIFF\)/ });
});
