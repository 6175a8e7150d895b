import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dubaiDir, dubaiSubset, writeImage, writeIndexMask, writeRgbMask, writeText } from '../../helpers/fixtures';
import { eventually, servicesOpener, tempDir, testServices } from '../../helpers/services';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';

const open = servicesOpener();

// The fixture's 11 pairs (tests/fixtures/dubai-aerial) hold all six palette colours; one mask,
// tile6_image_part_005, has 678 stray black pixels, a colour of no class.
test('dubai-aerial: 11 pairs, its six palette colours, the stray black reported as unknown', async () => {
  const { services, api } = open();
  const summary = await api.invoke('datasets:import', {
    name: 'dubai',
    imagesDir: join(dubaiDir, 'images'),
    masksDir: join(dubaiDir, 'masks'),
  });
  assert.equal(summary.state, 'indexing');
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: summary.id });
  assert.equal(dataset.state, 'ready');
  assert.equal(dataset.pairing.pairs, 11);
  assert.equal(dataset.indexedCount, 11);
  assert.equal(dataset.preset, 'dubai-aerial');
  assert.equal(dataset.maskKind, 'rgb');
  assert.deepEqual(
    dataset.classes.map((c) => c.name),
    ['Building', 'Land (unpaved)', 'Road', 'Vegetation', 'Water', 'Unlabeled'],
  );
  const known = dataset.values.filter((v) => v.classIndex !== null);
  assert.equal(known.length, 6);
  const unknown = dataset.values.filter((v) => v.classIndex === null);
  assert.deepEqual(
    unknown.map((v) => [v.value, v.pixels, v.images]),
    [[0, 678, 1]],
  );
  assert.equal(unknown[0]?.exampleImages[0], 'tile6_image_part_005');
  assert.equal(dataset.unknownPixels, unknown[0]?.pixels);
  // Thumbnails exist for every image, image and mask.
  const thumbs = readdirSync(services.datasets.thumbDir(summary.id));
  assert.equal(thumbs.filter((f) => f.endsWith('.mask.png')).length, 11);
  assert.equal(thumbs.filter((f) => f.endsWith('.jpg')).length, 11);
});

test('class statistics are exact on known masks: shares, images per class, imbalance ratio', async () => {
  const { services, api } = open();
  const root = tempDir();
  // Three 4x4 index masks; class 0 is declared ignore below and must not count in shares.
  const masks = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2],
    [1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 0, 0, 0, 0],
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3],
  ];
  for (const [i, values] of masks.entries()) {
    await writeImage(join(root, `t${i}.jpg`), 4, 4);
    await writeIndexMask(join(root, `t${i}.png`), 4, 4, values);
  }
  const { id } = await api.invoke('datasets:import', { name: 'known', imagesDir: root, preset: 'none' });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.equal(dataset.maskKind, 'index');
  assert.deepEqual(
    dataset.classes.map((c) => c.values),
    [[0], [1], [2], [3]],
  );
  const classes = dataset.classes.map((c, i) => ({ ...c, name: ['nodata', 'field', 'forest', 'road'][i]!, ignore: i === 0 }));
  await api.invoke('datasets:setClasses', { datasetId: id, classes });
  const stats = await api.invoke('datasets:stats', { datasetId: id });
  const all = stats.splits.find((s) => s.split === 'all')!;
  assert.equal(all.images, 3);
  assert.deepEqual(
    all.classes.map((c) => c.pixels),
    [4, 20, 19, 5],
  );
  assert.deepEqual(
    all.classes.map((c) => c.images),
    [1, 2, 2, 2],
  );
  assert.deepEqual(
    all.classes.map((c) => Number(c.share.toFixed(6))),
    [0, Number((20 / 44).toFixed(6)), Number((19 / 44).toFixed(6)), Number((5 / 44).toFixed(6))],
  );
  assert.equal(all.imbalanceRatio, 20 / 5);
  const perSplit = stats.splits.filter((s) => s.split !== 'all');
  assert.equal(
    perSplit.reduce((n, s) => n + s.images, 0),
    3,
  );
});

test('bad input: corrupt image, wrong-size mask, unknown colour, orphans and junk are reported; the rest imports', async () => {
  const { services, api } = open();
  const { images, masks } = dubaiSubset(3);
  writeText(join(images, 'corrupt.jpg'), 'not a jpeg at all');
  copyFileSync(join(dubaiDir, 'masks', 'tile2_image_part_001.png'), join(masks, 'corrupt.png'));
  await writeImage(join(images, 'small.jpg'), 20, 10);
  await writeRgbMask(
    join(masks, 'small.png'),
    10,
    10,
    Array.from({ length: 100 }, () => [60, 16, 152] as [number, number, number]),
  );
  await writeImage(join(images, 'oddcolour.jpg'), 2, 2);
  await writeRgbMask(join(masks, 'oddcolour.png'), 2, 2, [
    [60, 16, 152],
    [60, 16, 152],
    [1, 2, 3],
    [1, 2, 3],
  ]);
  copyFileSync(join(dubaiDir, 'images', 'tile2_image_part_002.jpg'), join(images, 'orphan.jpg'));
  writeText(join(masks, 'README.txt'), 'labels');

  const { id } = await api.invoke('datasets:import', { name: 'messy', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.equal(dataset.state, 'ready');
  assert.equal(dataset.pairing.pairs, 6);
  assert.deepEqual(dataset.pairing.imagesWithoutMasks, ['orphan.jpg']);
  assert.deepEqual(dataset.pairing.ignored, ['README.txt']);
  assert.deepEqual(
    dataset.problems.map((p) => [p.stem, p.kind]),
    [
      ['corrupt', 'unreadable-image'],
      ['small', 'size-mismatch'],
    ],
  );
  assert.match(dataset.problems[1]!.message, /The mask is 10x10 but the image is 20x10/);
  assert.equal(dataset.indexedCount, 4);
  const odd = dataset.values.find((v) => v.value === 0x010203);
  assert.deepEqual(odd && [odd.classIndex, odd.pixels, odd.exampleImages], [null, 2, ['oddcolour']]);
  // A problem image has no class counts; it is listed under problems only.
  const problems = await api.invoke('datasets:images', { datasetId: id, problemsOnly: true });
  assert.deepEqual(
    problems.items.map((i) => i.stem),
    ['corrupt', 'small'],
  );
  const rows = services.db.prepare("SELECT COUNT(*) FROM image_values v JOIN images i ON i.id = v.image_id WHERE i.state = 'problem'").pluck().get();
  assert.equal(rows, 0);
});

test('a path that does not exist, a file given as folder, or a folder of 0 files is refused clearly; nothing is created', async () => {
  const { api } = open();
  await assert.rejects(api.invoke('datasets:import', { name: 'x', imagesDir: '/no/such/folder' }), {
    code: 'VALIDATION',
    message: 'The images folder /no/such/folder does not exist. Give the path of a folder that holds the images.',
  });
  const empty = tempDir();
  await assert.rejects(api.invoke('datasets:import', { name: 'x', imagesDir: empty }), {
    code: 'VALIDATION',
    message: /No image\/mask pairs found .* The folders hold no JPEG, PNG or TIFF files\./,
  });
  const masksOnly = dubaiSubset(1);
  await assert.rejects(api.invoke('datasets:import', { name: 'x', imagesDir: tempDir(), masksDir: masksOnly.masks }), {
    message: /1 mask\(s\) have no image, e.g. tile1_image_part_001\.png/,
  });
  await assert.rejects(api.invoke('datasets:import', { name: 'x', imagesDir: join(masksOnly.images, 'tile1_image_part_001.jpg') }), {
    message: /is a file, not a folder/,
  });
  assert.deepEqual(await api.invoke('datasets:list', {}), []);
});

test('a file removed between pairing and indexing is reported missing; the rest imports', async () => {
  const { services, api } = open();
  const { images, masks } = dubaiSubset(3);
  // Hold the engine busy so the index job waits in the queue while the file disappears.
  await api.invoke('jobs:startDiagnostic', { steps: 3, stepMs: 100 });
  const { id } = await api.invoke('datasets:import', { name: 'vanishing', imagesDir: images, masksDir: masks });
  rmSync(join(masks, 'tile1_image_part_002.png'));
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.deepEqual(
    dataset.problems.map((p) => [p.stem, p.kind]),
    [['tile1_image_part_002', 'missing-file']],
  );
  assert.equal(dataset.indexedCount, 2);
});

test('a stopped import leaves the dataset incomplete; re-index resumes it, then only changed files are redone', async () => {
  const { services, api } = open();
  const { images, masks } = dubaiSubset(4);
  const blocker = await api.invoke('jobs:startDiagnostic', { steps: 100, stepMs: 100 });
  const { id, indexJobId } = await api.invoke('datasets:import', { name: 'resumable', imagesDir: images, masksDir: masks });
  await api.invoke('jobs:cancel', { jobId: indexJobId! });
  await api.invoke('jobs:cancel', { jobId: blocker.id });
  await services.jobs.whenIdle();
  let dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.equal(dataset.state, 'incomplete');
  assert.equal(dataset.indexedCount, 0);

  const resumed = await api.invoke('datasets:reindex', { datasetId: id });
  const resumeJob = await api.invoke('jobs:get', { jobId: resumed.indexJobId! });
  assert.equal((resumeJob.params as { items: unknown[] }).items.length, 4);
  await services.jobs.whenIdle();
  dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.equal(dataset.state, 'ready');
  assert.equal(dataset.indexedCount, 4);

  // Replace one mask with another tile's (same size), remove one pair, add one.
  copyFileSync(join(dubaiDir, 'masks', 'tile1_image_part_003.png'), join(masks, 'tile1_image_part_001.png'));
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(masks, 'tile1_image_part_001.png'), later, later);
  rmSync(join(images, 'tile1_image_part_004.jpg'));
  copyFileSync(join(dubaiDir, 'images', 'tile1_image_part_005.jpg'), join(images, 'tile1_image_part_005.jpg'));
  copyFileSync(join(dubaiDir, 'masks', 'tile1_image_part_005.png'), join(masks, 'tile1_image_part_005.png'));
  const again = await api.invoke('datasets:reindex', { datasetId: id });
  const job = await api.invoke('jobs:get', { jobId: again.indexJobId! });
  const redone = (job.params as { items: { imagePath: string }[] }).items.map((item) => item.imagePath.split('/').pop());
  assert.deepEqual(redone.sort(), ['tile1_image_part_001.jpg', 'tile1_image_part_005.jpg']);
  await services.jobs.whenIdle();
  dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.equal(dataset.imageCount, 4);
  const first = (await api.invoke('datasets:images', { datasetId: id })).items.find((i) => i.stem === 'tile1_image_part_001')!;
  const third = (await api.invoke('datasets:images', { datasetId: id })).items.find((i) => i.stem === 'tile1_image_part_003')!;
  const [a, b] = [await api.invoke('datasets:image', { imageId: first.id }), await api.invoke('datasets:image', { imageId: third.id })];
  assert.deepEqual(a.classPixels, b.classPixels);
});

test('renaming, recolouring and merging classes re-derives counts without re-reading masks', async () => {
  const { services, api } = open();
  const { images, masks } = dubaiSubset(3);
  const { id } = await api.invoke('datasets:import', { name: 'merge', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const before = await api.invoke('datasets:stats', { datasetId: id });
  const dataset = await api.invoke('datasets:get', { datasetId: id });
  const [building, land, ...rest] = dataset.classes;
  const merged = [{ ...building!, name: 'Built-up', color: '#ff0000', values: [...building!.values, ...land!.values] }, ...rest];
  const jobsBefore = (await api.invoke('jobs:list', {})).length;
  await api.invoke('datasets:setClasses', { datasetId: id, classes: merged });
  assert.equal((await api.invoke('jobs:list', {})).length, jobsBefore, 'no engine job for a class change');
  const after = await api.invoke('datasets:stats', { datasetId: id });
  const all = (s: typeof before) => s.splits.find((x) => x.split === 'all')!.classes;
  assert.equal(all(after)[0]!.pixels, all(before)[0]!.pixels + all(before)[1]!.pixels);
  assert.deepEqual(
    all(after)
      .slice(1)
      .map((c) => c.pixels),
    all(before)
      .slice(2)
      .map((c) => c.pixels),
  );
  await assert.rejects(api.invoke('datasets:setClasses', { datasetId: id, classes: [{ name: '', color: 'red', values: [], ignore: false }] }), {
    code: 'VALIDATION',
    message: /classes\.0\.name.*classes\.0\.color.*a colour like #3c1098.*classes\.0\.values/,
  });
});

test('splits grouped by tile keep scenes together and are stored with the dataset', async () => {
  const { services, api } = open();
  // Three scenes of two parts each, all from the fixture.
  const stems = [
    'tile1_image_part_001',
    'tile1_image_part_002',
    'tile2_image_part_001',
    'tile2_image_part_002',
    'tile6_image_part_004',
    'tile6_image_part_005',
  ];
  const { images, masks } = dubaiSubset(0, stems);
  const { id } = await api.invoke('datasets:import', { name: 'grouped', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:split', { datasetId: id, seed: 5, train: 0.67, val: 0.33, test: 0, groupPattern: '^(tile\\d+)_' });
  assert.deepEqual(dataset.splitCounts, { train: 4, val: 2, test: 0, none: 0 });
  assert.deepEqual(dataset.splitConfig, { from: 'random', seed: 5, train: 0.67, val: 0.33, test: 0, groupPattern: '^(tile\\d+)_' });
  const val = (await api.invoke('datasets:images', { datasetId: id, split: 'val' })).items.map((i) => i.stem.split('_')[0]);
  assert.equal(new Set(val).size, 1);
  await assert.rejects(api.invoke('datasets:split', { datasetId: id, train: 0.5, val: 0.5, groupPattern: '(' }), {
    code: 'VALIDATION',
    message: /groupPattern is not a valid regular expression/,
  });
});

test('filter by class share and sort by it', async () => {
  const { services, api } = open();
  const { images, masks } = dubaiSubset(6);
  const { id } = await api.invoke('datasets:import', { name: 'filter', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const water = 4;
  const all = await api.invoke('datasets:images', { datasetId: id });
  const details = await Promise.all(all.items.map((i) => api.invoke('datasets:image', { imageId: i.id })));
  const expected = details
    .map((d) => ({ stem: d.stem, share: d.classPixels[water]! / d.totalPixels }))
    .filter((d) => d.share >= 0.05)
    .sort((a, b) => b.share - a.share);
  const filtered = await api.invoke('datasets:images', { datasetId: id, classIndex: water, minShare: 0.05, sort: 'share' });
  assert.deepEqual(
    filtered.items.map((i) => i.stem),
    expected.map((e) => e.stem),
  );
  assert.ok(filtered.items.every((i, k) => Math.abs(i.share! - expected[k]!.share) < 1e-12));
});

test('deleting a dataset removes its catalogue rows and thumbnails, never the files', async () => {
  const { services, api } = open();
  const { images, masks } = dubaiSubset(2);
  const imageBytes = readFileSync(join(images, 'tile1_image_part_001.jpg'));
  const { id } = await api.invoke('datasets:import', { name: 'doomed', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  assert.ok(existsSync(services.datasets.thumbDir(id)));
  await api.invoke('datasets:delete', { datasetId: id });
  assert.equal(existsSync(services.datasets.thumbDir(id)), false);
  assert.equal(services.db.prepare('SELECT COUNT(*) FROM images').pluck().get(), 0);
  assert.deepEqual(readFileSync(join(images, 'tile1_image_part_001.jpg')), imageBytes);
  assert.ok(statSync(join(masks, 'tile1_image_part_001.png')).isFile());
});

test('TIFF images (8 and 16 bit) and greyscale index masks import, and are served to browsers as PNG', async () => {
  const sharp = (await import('sharp')).default;
  const { services, api } = open();
  const root = tempDir();
  const pixels = Buffer.alloc(8 * 8 * 3, 90);
  await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } })
    .tiff()
    .toFile(join(root, 'a.tif'));
  const sixteen = new Uint16Array(8 * 8 * 3).fill(1200);
  await sharp(sixteen, { raw: { width: 8, height: 8, channels: 3 } })
    .toColourspace('rgb16')
    .tiff()
    .toFile(join(root, 'b.tif'));
  for (const stem of ['a', 'b']) {
    await writeIndexMask(
      join(root, `${stem}_mask.png`),
      8,
      8,
      Array.from({ length: 64 }, (_, i) => (i < 16 ? 2 : 5)),
    );
  }
  const { id } = await api.invoke('datasets:import', { name: 'tiffs', imagesDir: root, preset: 'none' });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: id });
  assert.deepEqual(dataset.problems, []);
  assert.equal(dataset.indexedCount, 2);
  assert.equal(dataset.maskKind, 'index');
  assert.deepEqual(
    dataset.values.map((v) => [v.value, v.pixels]),
    [
      [5, 96],
      [2, 32],
    ],
  );
  const [first] = (await api.invoke('datasets:images', { datasetId: id })).items;
  const served = await services.files('image', String(first!.id));
  assert.equal(served.contentType, 'image/png');
  assert.equal(served.kind, 'buffer');
  const meta = await sharp(served.kind === 'buffer' ? served.body : Buffer.alloc(0)).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 8, 8]);
  await assert.rejects(services.files('image', '999999'), { code: 'NOT_FOUND' });
  await assert.rejects(services.files('secrets', String(first!.id)), { code: 'NOT_FOUND', message: /valid kinds: thumb, thumb-mask, image, mask/ });
});

test('issue 27 F6: a dataset a job uses cannot be deleted, from this process or another, whether its run trains or waits', async () => {
  const first = testServices({ tickMs: 100 });
  const second = testServices({ dataDir: first.dataDir, tickMs: 100 });
  try {
    const api = createMemoryClient(first);
    const other = createMemoryClient(second);
    const { imported } = first.samples.create({ count: 6, size: 32, seed: 2 });
    await first.jobs.whenIdle();
    const datasetId = await imported;
    await first.jobs.whenIdle();
    const config = {
      datasetId,
      backend: 'wasm' as const,
      model: 'unet' as const,
      modelOptions: { depth: 2, width: 4 },
      inputSize: 32,
      batchSize: 2,
      epochs: 40,
      stepsPerEpoch: 2,
    };
    const training = await api.invoke('runs:start', config);
    const waiting = await api.invoke('runs:start', { ...config, epochs: 1 });
    await eventually(() => (first.runs.get(training.id).status === 'running' ? true : undefined), 60_000, 'the run to train');
    await assert.rejects(other.invoke('datasets:delete', { datasetId }), {
      code: 'CONFLICT',
      message:
        /^Dataset "Sample: synthetic land cover" is used by a train job, running in segbench memory \(pid \d+\); stop that job \(or wait for it to end\), then delete the dataset\.$/,
    });
    await api.invoke('runs:stop', { runId: training.id });
    // The queued one still reads it.
    assert.equal(first.runs.get(waiting.id).status === 'queued' || first.runs.get(waiting.id).status === 'running', true);
    await assert.rejects(other.invoke('datasets:delete', { datasetId }), { code: 'CONFLICT', message: /is used by a train job/ });
    await first.jobs.whenIdle();
    assert.deepEqual(await other.invoke('datasets:delete', { datasetId }), { deleted: true });
    assert.equal(first.runs.get(waiting.id).status, 'finished');
  } finally {
    await second.close();
    await first.close();
  }
});

test('issue 32: the image list is in natural order (Train/2 before Train/10), as a file browser shows it', async () => {
  const { services, api } = open();
  const root = tempDir('segbench-natural-');
  for (const dir of ['images/Train', 'masks/Train']) mkdirSync(join(root, dir), { recursive: true });
  for (const stem of ['10', '2', '1', '0', 'a10', 'a9']) {
    await writeImage(join(root, 'images', 'Train', `${stem}.jpg`), 8, 8);
    await writeIndexMask(join(root, 'masks', 'Train', `${stem}.png`), 8, 8, new Array<number>(64).fill(stem.length % 2));
  }
  const { id } = await api.invoke('datasets:import', { name: 'natural', imagesDir: join(root, 'images'), masksDir: join(root, 'masks') });
  await services.jobs.whenIdle();
  const stems = (await api.invoke('datasets:images', { datasetId: id })).items.map((i) => i.stem);
  assert.deepEqual(stems, ['Train/0', 'Train/1', 'Train/2', 'Train/10', 'Train/a9', 'Train/a10']);
});
