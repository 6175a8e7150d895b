import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { writeImage, writeIndexMask } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

/*
 * Models trained elsewhere as external runs, against an independent implementation: the fixture
 * (tests/fixtures/onnx, made by make_fixture.py) holds a U-Net trained and exported by PyTorch and
 * PyTorch's own per-class counts on four Dubai crops, computed with numpy.
 */

const fixture = resolve('tests/fixtures/onnx');
const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}
const expected = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8')) as {
  classes: { name: string }[];
  images: { name: string; perClass: (Counts & { class: string })[]; nearTies: unknown[] }[];
};
const classNames = expected.classes.map((c) => c.name);

/** PyTorch's counts over some of the fixture's images, and how many of their pixels are near ties (top two logits within 1e-3). */
function torchCounts(names: readonly string[]): { counts: Counts[]; ties: number } {
  const counts = classNames.map(() => ({ tp: 0, fp: 0, fn: 0 }));
  let ties = 0;
  for (const image of expected.images.filter((i) => names.includes(i.name))) {
    image.perClass.forEach((c, k) => {
      counts[k]!.tp += c.tp;
      counts[k]!.fp += c.fp;
      counts[k]!.fn += c.fn;
    });
    ties += image.nearTies.length;
  }
  return { counts, ties };
}

/**
 * Equal to PyTorch's counts except where two classes tie at argmax: each near-tie pixel may move
 * one pixel between two classes' counts (ORT and PyTorch sum in different orders; about 1e-6).
 */
function assertCountsMatch(actual: readonly Counts[], reference: { counts: Counts[]; ties: number }, what: string): void {
  let moved = 0;
  reference.counts.forEach((c, k) => {
    const a = actual[k]!;
    moved += Math.abs(a.tp - c.tp) + Math.abs(a.fp - c.fp) + Math.abs(a.fn - c.fn);
  });
  assert.ok(
    moved <= 4 * reference.ties,
    `${what}: counts differ from PyTorch's by ${moved} beyond the ${reference.ties} near-tie pixels\n${JSON.stringify(actual)}\n${JSON.stringify(reference.counts)}`,
  );
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let datasetId = '';

async function fixtureDataset(): Promise<string> {
  if (datasetId) return datasetId;
  const dataset = await api.invoke('datasets:import', {
    name: 'dubai crops',
    imagesDir: join(fixture, 'images'),
    masksDir: join(fixture, 'masks'),
    preset: 'dubai-aerial',
  });
  await services.jobs.whenIdle();
  // val_1 and val_4 validate, val_2 and val_3 are the test split.
  services.db.prepare("UPDATE images SET split = CASE WHEN stem IN ('val_1', 'val_4') THEN 'val' ELSE 'test' END WHERE dataset_id = ?").run(dataset.id);
  datasetId = dataset.id;
  return datasetId;
}

test('a PyTorch NCHW logits model imports as an external run, and its eval counts equal PyTorch own', async () => {
  const id = await fixtureDataset();
  const source = join(fixture, 'unet-nchw-logits.onnx');
  const before = sha(source);
  const run = await api.invoke('runs:importModel', { onnxPath: source, datasetId: id, window: 128 });
  assert.equal(sha(source), before, "the user's file is only read");
  assert.equal(run.status, 'finished');
  assert.equal(run.model, 'onnx');
  const model = run.external!;
  assert.equal(model.layout, 'nchw');
  assert.equal(model.output, 'logits');
  assert.equal(model.classes, 6);
  assert.equal(model.stride, 8, 'three 2x poolings: sizes must be multiples of 8');
  assert.deepEqual(
    model.normalization.mean.map((m) => Math.round(m * 1000) / 1000),
    [123.675, 116.28, 103.53],
  );
  assert.match(model.findings.join('\n'), /On 2 validation images it labels \d+\.\d% of pixels as their masks do\./);
  assert.ok(existsSync(model.file) && model.file.startsWith(services.dataDir), 'the copy lives in the run folder');

  const val = await services.runs.scoreCheckpointAndWait(run.id, 'val');
  assertCountsMatch(val.counts, torchCounts(['val_1', 'val_4']), 'val split');
  const testSplit = await services.runs.scoreCheckpointAndWait(run.id, 'test');
  assertCountsMatch(testSplit.counts, torchCounts(['val_2', 'val_3']), 'test split');
});

test('the NHWC probabilities export of the same weights gives the same counts, with no softmax taken twice', async () => {
  const id = await fixtureDataset();
  const run = await api.invoke('runs:importModel', { onnxPath: join(fixture, 'unet-nhwc-probs.onnx'), datasetId: id, window: 128, name: 'nhwc probs' });
  assert.equal(run.external!.layout, 'nhwc');
  assert.equal(run.external!.output, 'probabilities');
  assert.equal(run.name, 'nhwc probs');
  const val = await services.runs.scoreCheckpointAndWait(run.id, 'val');
  assertCountsMatch(val.counts, torchCounts(['val_1', 'val_4']), 'NHWC val split');
});

test('Compare evaluates an imported run; its stored predictions agree with the eval counts', async () => {
  const id = await fixtureDataset();
  const run = await api.invoke('runs:importModel', { onnxPath: join(fixture, 'unet-nchw-logits.onnx'), datasetId: id, window: 128, name: 'for compare' });
  await api.invoke('evals:start', { runIds: [run.id], tta: null, split: 'val' });
  await services.jobs.whenIdle();
  const evaluation = (await api.invoke('evals:list', {})).find((e) => e.runIds.includes(run.id))!;
  assert.equal(evaluation.status, 'finished', evaluation.reason ?? '');
  const reference = torchCounts(['val_1', 'val_4']).counts.map((c) => (c.tp + c.fp + c.fn === 0 ? null : c.tp / (c.tp + c.fp + c.fn)));
  evaluation.variants[0]!.classIou.forEach((v, k) => {
    if (reference[k] === null) assert.equal(v, null);
    else assert.ok(Math.abs(v! - reference[k]!) < 2e-3, `${classNames[k]}: ${v} vs PyTorch ${reference[k]}`);
  });
  const stored = await services.predictions.predictSplit(run.id, 'val');
  assert.equal(stored.written, 2);
});

test('a model that does not fit is refused with what was found and what is valid, leaving nothing behind', async () => {
  const id = await fixtureDataset();
  const runsBefore = (await api.invoke('runs:list', {})).length;
  const runDirs = (): string[] => (existsSync(join(services.dataDir, 'runs')) ? readdirSync(join(services.dataDir, 'runs')) : []);
  const dirsBefore = runDirs();
  const notOnnx = join(tempDir(), 'model.onnx');
  writeFileSync(notOnnx, 'this is not a protobuf');
  await assert.rejects(api.invoke('runs:importModel', { onnxPath: notOnnx, datasetId: id }), /could not be loaded as an ONNX model/);
  await assert.rejects(api.invoke('runs:importModel', { onnxPath: 'relative/model.onnx', datasetId: id }), /must be an absolute path/);
  await assert.rejects(api.invoke('runs:importModel', { onnxPath: join(tempDir(), 'missing.onnx'), datasetId: id }), /is not a file/);
  const copy = join(tempDir(), 'unet.onnx');
  copyFileSync(join(fixture, 'unet-nchw-logits.onnx'), copy);
  // A classes file that leaves out one of the dataset's classes.
  await assert.rejects(
    api.invoke('runs:importModel', { onnxPath: copy, datasetId: id, classNames: ['Building', 'Land (unpaved)', 'Road', 'Vegetation', 'Water', 'Clouds'] }),
    /The classes file does not name Unlabeled; it must name each of the dataset's classes/,
  );
  await assert.rejects(
    api.invoke('runs:importModel', { onnxPath: copy, datasetId: id, normalize: { mean: [0.5, 0.5], std: [0.25] } }),
    /The mean has 2 values; the dataset's images have 3 channels/,
  );
  await assert.rejects(
    api.invoke('runs:importModel', { onnxPath: copy, datasetId: id, window: 100 }),
    /A 100 px window is not a multiple of the model's stride \(8\); valid: 96 or 104/,
  );
  // A dataset with another class count: two classes (index masks 0 and 1).
  const root = tempDir();
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  for (let i = 0; i < 3; i += 1) {
    await writeImage(join(root, 'images', `b${i}.jpg`), 32, 32);
    await writeIndexMask(
      join(root, 'masks', `b${i}.png`),
      32,
      32,
      Array.from({ length: 32 * 32 }, (_, p) => (p % 32 >= 16 ? 1 : 0)),
    );
  }
  const binary = await api.invoke('datasets:import', { name: 'binary', imagesDir: join(root, 'images'), masksDir: join(root, 'masks'), preset: 'none' });
  await services.jobs.whenIdle();
  await assert.rejects(
    api.invoke('runs:importModel', { onnxPath: copy, datasetId: binary.id }),
    /The model gives 6 classes; the dataset trains 2 \(.*\)\. Valid: a model with 2 output channels, one per class\./,
  );
  assert.equal((await api.invoke('runs:list', {})).length, runsBefore, 'no run row for a refused import');
  assert.deepEqual(runDirs(), dirsBefore, 'no run folder left behind');
});

test('a reordered classes file maps the model outputs to the dataset classes', async () => {
  const id = await fixtureDataset();
  // Declare the model's outputs in the wrong order on purpose: Building and Water swapped.
  const swapped = [...classNames];
  [swapped[0], swapped[4]] = [swapped[4]!, swapped[0]!];
  const run = await api.invoke('runs:importModel', {
    onnxPath: join(fixture, 'unet-nchw-logits.onnx'),
    datasetId: id,
    window: 128,
    classNames: swapped,
    name: 'swapped',
  });
  assert.deepEqual(run.external!.classOrder, [4, 1, 2, 3, 0, 5]);
  const val = await services.runs.scoreCheckpointAndWait(run.id, 'val');
  const reference = torchCounts(['val_1', 'val_4']);
  // What PyTorch called Building is now counted as Water and the reverse: Building's true pixels are mostly missed.
  assert.ok(val.counts[0]!.tp < reference.counts[0]!.tp / 4, `Building tp ${val.counts[0]!.tp} should collapse from ${reference.counts[0]!.tp}`);
});

test('an external run refuses what needs a SegBench checkpoint, with the reason', async () => {
  const id = await fixtureDataset();
  const run = await api.invoke('runs:importModel', { onnxPath: join(fixture, 'unet-nchw-logits.onnx'), datasetId: id, window: 128, name: 'refusals' });
  await assert.rejects(api.invoke('runs:export', { runId: run.id, outPath: join(tempDir(), 'again.onnx') }), /is an imported ONNX model already/);
  await assert.rejects(api.invoke('runs:resume', { runId: run.id }), /only stopped, crashed or failed runs can be resumed/);
  await assert.rejects(api.invoke('runs:stop', { runId: run.id }), /is an imported model; it never trains/);
});

test('a folder of predicted masks imports as a run whose eval equals the model that wrote them', async () => {
  const id = await fixtureDataset();
  const model = await api.invoke('runs:importModel', { onnxPath: join(fixture, 'unet-nchw-logits.onnx'), datasetId: id, window: 128, name: 'writer' });
  // The model's predictions of every image, in the dataset's own encoding (RGB palette), plus files that pair with nothing.
  const out = tempDir();
  const images = readdirSync(join(fixture, 'images')).map((f) => join(fixture, 'images', f));
  const job = services.predictions.predictFolder(model.id, join(fixture, 'images'), out, 'best', 'mask-values');
  const done = await services.jobs.whenDoneOf('predict', job.id);
  assert.equal(done.status, 'finished', done.reason ?? '');
  assert.equal(readdirSync(out).filter((f) => f.endsWith('_mask.png')).length, images.length);
  writeFileSync(join(out, 'stranger.png'), 'not a mask of any image');
  const before = readdirSync(out).map((f) => sha(join(out, f)));

  const masks = await api.invoke('runs:importMasks', { masksDir: out, datasetId: id, name: 'their masks' });
  assert.equal(masks.model, 'masks');
  assert.equal(Object.keys(masks.predictedMasks!.files).length, 4);
  assert.match(masks.predictedMasks!.findings.join('\n'), /4 predicted masks for the dataset's 4 images \(train 0 of 0, val 2 of 2, test 2 of 2\)/);
  assert.match(masks.predictedMasks!.findings.join('\n'), /5 file\(s\) name no image of the dataset and were left out, e\.g\. stranger\.png, val_1_color\.png/);
  assert.deepEqual(
    readdirSync(out).map((f) => sha(join(out, f))),
    before,
    "the user's folder is only read",
  );

  for (const split of ['val', 'test'] as const) {
    const fromModel = await services.runs.scoreCheckpointAndWait(model.id, split);
    const fromMasks = await services.runs.scoreCheckpointAndWait(masks.id, split);
    assert.deepEqual(fromMasks.counts, fromModel.counts, `${split}: the masks score as the model that wrote them`);
    assert.equal(fromMasks.loss, null, 'masks have no probabilities, so no loss');
  }
  // Compare: both in one evaluation; Inspect: stored predictions from the masks.
  await api.invoke('evals:start', { runIds: [model.id, masks.id], tta: null, split: 'val' });
  await services.jobs.whenIdle();
  const evaluation = (await api.invoke('evals:list', {})).find((e) => e.runIds.includes(masks.id))!;
  assert.equal(evaluation.status, 'finished', evaluation.reason ?? '');
  assert.deepEqual(evaluation.variants.find((v) => v.name === 'their masks')!.classIou, evaluation.variants.find((v) => v.name === 'writer')!.classIou);
  assert.equal((await services.predictions.predictSplit(masks.id, 'val')).written, 2);
  // What needs a model says so.
  assert.throws(
    () => services.predictions.predictFolder(masks.id, join(fixture, 'images'), tempDir()),
    /is a folder of predicted masks .*; it has no model to predict other images with/,
  );
  // Masks in another encoding (class indices for this palette dataset) are refused, not scored as 0.
  const indices = tempDir();
  const indexJob = services.predictions.predictFolder(model.id, join(fixture, 'images'), indices, 'best', 'class-index');
  assert.equal((await services.jobs.whenDoneOf('predict', indexJob.id)).status, 'finished');
  for (const f of readdirSync(indices)) if (f.endsWith('_color.png')) rmSync(join(indices, f));
  await assert.rejects(
    api.invoke('runs:importMasks', { masksDir: indices, datasetId: id }),
    /val_1_index\.png is a one-channel index mask; dataset "dubai crops" uses RGB palette colours\. Export the predictions in the dataset's own encoding/,
  );
  await assert.rejects(
    api.invoke('runs:importMasks', { masksDir: tempDir(), datasetId: id }),
    /None of the 0 mask file\(s\) in .* is named after an image of dataset "dubai crops" \(e\.g\. val_1\.png or val_1_mask\.png for val_1\.png\)/,
  );
});
