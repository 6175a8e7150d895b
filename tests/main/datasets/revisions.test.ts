import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { prepareStatements } from '../../../src-main/db/statements';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import type { AppServices } from '../../../src-main/services/app-services';
import { writeImage, writeIndexMask, writeRgbMask } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

const opened: AppServices[] = [];
after(async () => {
  for (const services of opened) await services.close();
});

async function readIndex(path: string): Promise<number[]> {
  const { data } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return [...data];
}

/**
 * Two 4x4 index-mask images. Classes: 0 = No data (ignore), 1 = Land, 2 = Water, 3 = Road.
 * Image a's mask:     Image b's mask:
 *   1 1 1 1             2 2 2 2
 *   1 1 1 1             2 2 2 2
 *   2 2 2 2             2 2 2 2
 *   0 0 3 3             2 2 2 2
 */
async function indexDataset() {
  const services = testServices();
  opened.push(services);
  const api = createMemoryClient(services);
  const root = tempDir();
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  await writeImage(join(root, 'images', 'a.jpg'), 4, 4);
  await writeImage(join(root, 'images', 'b.jpg'), 4, 4);
  await writeIndexMask(join(root, 'masks', 'a.png'), 4, 4, [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 3, 3]);
  await writeIndexMask(join(root, 'masks', 'b.png'), 4, 4, new Array<number>(16).fill(2));
  const summary = await api.invoke('datasets:import', { name: 'tiny', imagesDir: join(root, 'images'), masksDir: join(root, 'masks'), preset: 'none' });
  await services.jobs.whenIdle();
  await api.invoke('datasets:setClasses', {
    datasetId: summary.id,
    classes: [
      { name: 'No data', color: '#000000', values: [0], ignore: true },
      { name: 'Land', color: '#a0a000', values: [1], ignore: false },
      { name: 'Water', color: '#0000ff', values: [2], ignore: false },
      { name: 'Road', color: '#808080', values: [3], ignore: false },
    ],
  });
  const { items } = await api.invoke('datasets:images', { datasetId: summary.id });
  const a = items.find((i) => i.stem === 'a')!.id;
  const b = items.find((i) => i.stem === 'b')!.id;
  return { services, api, root, datasetId: summary.id, a, b, originalA: join(root, 'masks', 'a.png') };
}

const pixelsOf = async (api: ReturnType<typeof createMemoryClient>, imageId: number) => (await api.invoke('datasets:image', { imageId })).classPixels;

test('painting a region makes a revision: the effective mask and class pixels change, the original file does not', async () => {
  const { api, a, originalA, datasetId } = await indexDataset();
  const originalBytes = readFileSync(originalA);
  assert.deepEqual(await pixelsOf(api, a), [2, 8, 4, 2]);

  // Paint Road over the top-left 2x2 square.
  const state = await api.invoke('revisions:create', { action: 'paint', imageId: a, classIndex: 3, region: { polygons: [[0, 0, 2, 0, 2, 2, 0, 2]] } });
  assert.equal(state.items.length, 1);
  assert.equal(state.current, state.items[0]!.id);
  assert.equal(state.items[0]!.changedPixels, 4);
  assert.match(state.items[0]!.summary, /painted Road \(in a region of 4 px\)/);
  assert.deepEqual(await readIndex(state.effectivePath), [3, 3, 1, 1, 3, 3, 1, 1, 2, 2, 2, 2, 0, 0, 3, 3]);
  assert.deepEqual(await pixelsOf(api, a), [2, 4, 4, 6]);
  const detail = await api.invoke('datasets:image', { imageId: a });
  assert.equal(detail.revisionId, state.current);
  assert.equal(detail.originalMaskPath, originalA);
  const stats = await api.invoke('datasets:stats', { datasetId });
  assert.deepEqual(
    stats.splits.find((s) => s.split === 'all')!.classes.map((c) => c.pixels),
    [2, 4, 20, 6],
  );

  // A second revision on top, then undo twice to the original, redo twice back.
  const second = await api.invoke('revisions:create', {
    action: 'paint',
    imageId: a,
    classIndex: 1,
    region: { strokes: [{ radius: 0.5, points: [0.5, 2.5, 3.5, 2.5] }] },
  });
  assert.equal(second.items[1]!.parentId, second.items[0]!.id);
  assert.deepEqual(await pixelsOf(api, a), [2, 8, 0, 6]);
  let now = await api.invoke('revisions:undo', { imageId: a });
  assert.equal(now.current, second.items[0]!.id);
  assert.deepEqual(await pixelsOf(api, a), [2, 4, 4, 6]);
  now = await api.invoke('revisions:undo', { imageId: a });
  assert.equal(now.current, null);
  assert.equal(now.effectivePath, originalA);
  assert.deepEqual(await pixelsOf(api, a), [2, 8, 4, 2]);
  await assert.rejects(api.invoke('revisions:undo', { imageId: a }), { code: 'CONFLICT', message: /nothing to undo/ });
  now = await api.invoke('revisions:redo', { imageId: a });
  now = await api.invoke('revisions:redo', { imageId: a });
  assert.equal(now.current, second.items[1]!.id);
  assert.deepEqual(await pixelsOf(api, a), [2, 8, 0, 6]);
  // Revert to the original: every revision file is still there to come back to.
  now = await api.invoke('revisions:restore', { imageId: a, revisionId: null });
  assert.equal(now.items.length, 2);
  for (const item of now.items) assert.ok(statSync(item.path).isFile());
  assert.deepEqual(readFileSync(originalA), originalBytes, 'the original mask is byte-identical');
});

test('the training and evaluation queries read the mask in effect; a re-index keeps the correction', async () => {
  const { services, api, a, datasetId } = await indexDataset();
  const state = await api.invoke('revisions:create', { action: 'paint', imageId: a, classIndex: 2, region: { polygons: [[0, 0, 4, 0, 4, 4, 0, 4]] } });
  services.db.prepare("UPDATE images SET split = 'train' WHERE dataset_id = ?").run(datasetId);
  // The statement the training launcher uses.
  const { trainValImages } = prepareStatements(services.db);
  const used = trainValImages.all(datasetId);
  assert.equal(used.find((r) => r.id === a)!.mask_path, state.effectivePath);
  assert.equal(used.find((r) => r.id !== a)!.mask_path, (await api.invoke('datasets:image', { imageId: used.find((r) => r.id !== a)!.id })).originalMaskPath);
  // Touch the image so a re-index reads this pair again: the counts must still be the correction's.
  const detail = await api.invoke('datasets:image', { imageId: a });
  const later = new Date(Date.now() + 5_000);
  utimesSync(detail.imagePath, later, later);
  await api.invoke('datasets:reindex', { datasetId });
  await services.jobs.whenIdle();
  assert.deepEqual(await pixelsOf(api, a), [0, 0, 16, 0]);
});

test('accepting a run prediction: whole image and inside a region; ignore pixels are kept; bad requests explain themselves', async () => {
  const { services, api, a, b, datasetId, originalA } = await indexDataset();
  // A finished run on this dataset whose stored prediction of image a is all Road except one Land row.
  const runDir = tempDir();
  mkdirSync(join(runDir, 'predictions', 'val'), { recursive: true });
  services.db
    .prepare(
      `INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, run_dir, class_names)
       VALUES ('r1', 'baseline', ?, 'unet', '{}', 'finished', '2026-01-01T00:00:00Z', ?, ?)`,
    )
    .run(datasetId, runDir, JSON.stringify(['Land', 'Water', 'Road']));
  // Run labels: 0 = Land, 1 = Water, 2 = Road.
  await writeIndexMask(join(runDir, 'predictions', 'val', `${a}_index.png`), 4, 4, [0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);

  const region = await api.invoke('revisions:create', {
    action: 'accept-prediction',
    imageId: a,
    runId: 'r1',
    region: { polygons: [[0, 1, 4, 1, 4, 2, 0, 2]] },
  });
  assert.match(region.items[0]!.summary, /accepted the prediction of run "baseline" \(in a region of 4 px\)/);
  assert.deepEqual(await readIndex(region.effectivePath), [1, 1, 1, 1, 3, 3, 3, 3, 2, 2, 2, 2, 0, 0, 3, 3]);

  const whole = await api.invoke('revisions:create', { action: 'accept-prediction', imageId: a, runId: 'r1' });
  // Row 3's two No-data pixels keep their value: the ignore class is never overwritten.
  assert.deepEqual(await readIndex(whole.effectivePath), [1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 3, 3]);
  assert.equal(whole.items[1]!.changedPixels, 4);
  assert.deepEqual(await pixelsOf(api, a), [2, 4, 0, 10]);

  await assert.rejects(api.invoke('revisions:create', { action: 'accept-prediction', imageId: a, runId: 'r1' }), {
    code: 'VALIDATION',
    message: /already agrees/,
  });
  await assert.rejects(api.invoke('revisions:create', { action: 'accept-prediction', imageId: b, runId: 'r1' }), {
    code: 'NOT_FOUND',
    message: /no stored prediction of b; predict its validation images/,
  });
  await assert.rejects(api.invoke('revisions:create', { action: 'paint', imageId: a, classIndex: 9, region: { polygons: [[0, 0, 2, 0, 2, 2]] } }), {
    code: 'VALIDATION',
    message: /classIndex must be below 4 .*No data, Land, Water, Road/,
  });
  await assert.rejects(api.invoke('revisions:create', { action: 'paint', imageId: a, classIndex: 1, region: { polygons: [[10, 10, 12, 10, 12, 12]] } }), {
    code: 'VALIDATION',
    message: /covers no pixel/,
  });

  // The original changes on disk after indexing: no revision is made on top of a different mask, none is lost.
  await writeIndexMask(originalA, 4, 4, new Array<number>(16).fill(1));
  const later = new Date(Date.now() + 5_000);
  utimesSync(originalA, later, later);
  await assert.rejects(api.invoke('revisions:create', { action: 'paint', imageId: a, classIndex: 1, region: { polygons: [[0, 0, 2, 0, 2, 2]] } }), {
    code: 'CONFLICT',
    message: /changed on disk since it was indexed.*Re-index the dataset first.*revisions are kept/,
  });
  assert.equal((await api.invoke('revisions:list', { imageId: a })).items.length, 2);
});

test('RGB masks are corrected in their own palette; "export corrected dataset" copies images and the masks in effect', async () => {
  const services = testServices();
  opened.push(services);
  const api = createMemoryClient(services);
  const root = tempDir();
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  const red: [number, number, number] = [255, 0, 0];
  const blue: [number, number, number] = [0, 0, 255];
  for (const stem of ['x', 'y']) {
    await writeImage(join(root, 'images', `${stem}.jpg`), 3, 2);
    await writeRgbMask(join(root, 'masks', `${stem}_mask.png`), 3, 2, [red, red, red, blue, blue, blue]);
  }
  const summary = await api.invoke('datasets:import', { name: 'rgb', imagesDir: join(root, 'images'), masksDir: join(root, 'masks'), preset: 'none' });
  await services.jobs.whenIdle();
  const dataset = await api.invoke('datasets:get', { datasetId: summary.id });
  const blueIndex = dataset.classes.findIndex((c) => c.values[0] === 0x0000ff);
  const { items } = await api.invoke('datasets:images', { datasetId: summary.id });
  const x = items.find((i) => i.stem === 'x')!.id;
  const state = await api.invoke('revisions:create', { action: 'paint', imageId: x, classIndex: blueIndex, region: { polygons: [[0, 0, 1, 0, 1, 1, 0, 1]] } });
  const { data, info } = await sharp(state.effectivePath).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  assert.deepEqual([...data.subarray(0, 6)], [0, 0, 255, 255, 0, 0]);

  const out = join(tempDir(), 'corrected');
  const job = await api.invoke('datasets:exportCorrected', { datasetId: summary.id, dir: out });
  const done = await services.jobs.whenDone(job.id);
  assert.equal(done.status, 'finished');
  assert.deepEqual(readdirSync(join(out, 'images')).sort(), ['x.jpg', 'y.jpg']);
  assert.deepEqual(readdirSync(join(out, 'masks')).sort(), ['x_mask.png', 'y_mask.png']);
  assert.deepEqual(readFileSync(join(out, 'masks', 'x_mask.png')), readFileSync(state.effectivePath));
  assert.deepEqual(readFileSync(join(out, 'masks', 'y_mask.png')), readFileSync(join(root, 'masks', 'y_mask.png')));
  const manifest = JSON.parse(readFileSync(join(out, 'segbench-export.json'), 'utf8')) as { images: number; corrected: { stem: string }[] };
  assert.equal(manifest.images, 2);
  assert.deepEqual(
    manifest.corrected.map((c) => c.stem),
    ['x'],
  );
  // Never into a folder with files in it (the export just filled this one).
  await assert.rejects(api.invoke('datasets:exportCorrected', { datasetId: summary.id, dir: out }), { code: 'VALIDATION', message: /not empty/ });
});

test('painting a class over pixels that already have it makes no revision, also when the class owns several mask values', async () => {
  const services = testServices();
  opened.push(services);
  const api = createMemoryClient(services);
  const root = tempDir();
  await writeImage(join(root, 'c.jpg'), 4, 4);
  // Land is both 1 and 4 in this mask (two source codes merged into one class).
  await writeIndexMask(join(root, 'c.png'), 4, 4, [4, 4, 1, 1, 4, 4, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  const summary = await api.invoke('datasets:import', { name: 'two-values', imagesDir: root, preset: 'none' });
  await services.jobs.whenIdle();
  await api.invoke('datasets:setClasses', {
    datasetId: summary.id,
    classes: [
      { name: 'Land', color: '#a0a000', values: [1, 4], ignore: false },
      { name: 'Water', color: '#0000ff', values: [2], ignore: false },
    ],
  });
  const [image] = (await api.invoke('datasets:images', { datasetId: summary.id })).items;
  await assert.rejects(
    api.invoke('revisions:create', { action: 'paint', imageId: image!.id, classIndex: 0, region: { polygons: [[0, 0, 4, 0, 4, 2, 0, 2]] } }),
    {
      code: 'VALIDATION',
      message: 'Every pixel in the region already has that class; no revision was made.',
    },
  );
  assert.equal((await api.invoke('revisions:list', { imageId: image!.id })).items.length, 0);
  // Over Land and Water, only the Water pixels change: values 4 stay 4.
  const state = await api.invoke('revisions:create', { action: 'paint', imageId: image!.id, classIndex: 0, region: { polygons: [[0, 0, 4, 0, 4, 3, 0, 3]] } });
  assert.equal(state.items.length, 1);
  const path = (await api.invoke('datasets:image', { imageId: image!.id })).maskPath;
  assert.deepEqual(await readIndex(path), [4, 4, 1, 1, 4, 4, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
});

test('issue 32 (3): undo, redo, revert and a pick from the history are each recorded with when and what; no revision file is lost and the original is never written', async () => {
  const { api, a, originalA } = await indexDataset();
  const originalBytes = readFileSync(originalA);
  const made = await api.invoke('revisions:create', { action: 'paint', imageId: a, classIndex: 3, region: { polygons: [[0, 0, 2, 0, 2, 2, 0, 2]] } });
  const id = made.items[0]!.id;
  assert.deepEqual(made.moves, [], 'making a revision is its own record');
  await api.invoke('revisions:undo', { imageId: a });
  await api.invoke('revisions:redo', { imageId: a });
  await api.invoke('revisions:restore', { imageId: a, revisionId: null });
  const now = await api.invoke('revisions:restore', { imageId: a, revisionId: id });
  assert.deepEqual(
    now.moves.map((m) => [m.how, m.fromId, m.toId, m.summary]),
    [
      ['undo', id, null, 'undid revision 1, back to the original'],
      ['redo', null, id, 'redid revision 1'],
      ['revert', id, null, 'reverted to the original'],
      ['restore', null, id, 'put revision 1 back in effect'],
    ],
  );
  for (const move of now.moves) assert.ok(!Number.isNaN(Date.parse(move.createdAt)));
  assert.equal(now.current, id);
  assert.ok(statSync(now.items[0]!.path).isFile());
  assert.deepEqual(readFileSync(originalA), originalBytes, 'the original mask is byte-identical');
  // Putting in effect the mask already in effect changes nothing, so it records nothing.
  assert.equal((await api.invoke('revisions:restore', { imageId: a, revisionId: id })).moves.length, 4);
});
