import assert from 'node:assert/strict';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import type { AppServices } from '../../../src-main/services/app-services';
import type { RunConfigInput } from '../../../src-shared/run-config';
import { sampleRunFixture } from '../../helpers/runs';

// The Inspect services (src-main/inspect): hard samples, stored predictions, confusion cells and
// the review queue, on tiny runs of the synthetic sample dataset.
let services: AppServices;
let api: ReturnType<typeof createMemoryClient>;
let datasetId: string;
let tiny: (extra?: Partial<RunConfigInput>) => RunConfigInput;

before(async () => {
  ({ services, api, datasetId, tiny } = await sampleRunFixture());
});
after(() => services.close());

test('hard samples: validation images worst first; weights saved from the training split feed a later run', async () => {
  const run = await api.invoke('runs:start', tiny({ epochs: 1, name: 'miner' }));
  await services.jobs.whenIdle();
  const ranked = await api.invoke('samples:hardest', { runId: run.id });
  assert.equal(ranked.epoch, 1);
  const mious = ranked.items.map((i) => i.miou!);
  assert.deepEqual(
    [...mious].sort((a, b) => a - b),
    mious,
    'worst first',
  );
  const valCount = services.db.prepare("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND split = 'val'").pluck().get(datasetId);
  assert.equal(ranked.items.length, valCount);
  for (const item of ranked.items) assert.equal(item.weight, [1, 2, 2, 4, 4, 6, 6][Math.min(item.below, 6)]);
  const byForest = await api.invoke('samples:hardest', { runId: run.id, classIndex: 2 });
  assert.ok(byForest.items.every((i) => i.classIou[2] !== null));

  const { saved } = await api.invoke('samples:saveWeights', {
    runId: run.id,
    threshold: 0.9,
    table: [
      [0, 1],
      [1, 5],
    ],
  });
  const trainCount = services.db.prepare("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND split = 'train'").pluck().get(datasetId);
  assert.equal(saved, trainCount);
  assert.deepEqual(await api.invoke('samples:weightSets', {}), [{ runId: run.id, name: 'miner', images: saved }]);
  const weighted = await api.invoke('runs:start', tiny({ epochs: 1, sampler: { weightsFromRun: run.id } }));
  const job = await api.invoke('jobs:get', { jobId: weighted.jobId! });
  const sampler = (job.params as { config: { sampler: { kind: string; weights: Record<string, number> } } }).config.sampler;
  assert.equal(sampler.kind, 'weighted');
  assert.equal(Object.keys(sampler.weights).length, saved);
  assert.ok(Object.values(sampler.weights).every((w) => w === 1 || w === 5));
  await services.jobs.whenIdle();
  await assert.rejects(api.invoke('runs:start', tiny({ sampler: { weightsFromRun: 'nope' } })), {
    message: /has no saved hard-sample weights; save them on the Inspect page first/,
  });
});

test('stored predictions: the plain variant reproduces the best epoch, flip TTA is stored beside it; confusion cells and the review queue list images', async () => {
  const run = await api.invoke('runs:start', tiny({ epochs: 1, name: 'predictor' }));
  await services.jobs.whenIdle();
  const detail = await api.invoke('runs:get', { runId: run.id });
  await assert.rejects(api.invoke('samples:reviewQueue', { runId: run.id }), { code: 'NOT_FOUND', message: /no stored prediction of its validation images/ });
  const plain = await api.invoke('runs:predictSplit', { runId: run.id });
  const valIds = services.db.prepare("SELECT id FROM images WHERE dataset_id = ? AND split = 'val'").pluck().all(datasetId) as number[];
  assert.equal(plain.written, valIds.length);
  await api.invoke('runs:predictSplit', { runId: run.id, tta: true });
  const summary = await api.invoke('samples:predictions', { runId: run.id });
  assert.deepEqual(
    summary.variants.map((v) => v.variant),
    ['plain', 'tta'],
  );
  const [p, t] = summary.variants;
  // Same sliding windows, same checkpoint: the plain prediction's IoU is the best epoch's validation IoU.
  summary.classNames.forEach((name, c) => {
    const expected = detail.bestClassIou[name] ?? null;
    if (expected === null) assert.equal(p!.classIou[c], null);
    else assert.ok(Math.abs(p!.classIou[c]! - expected) < 1e-9, `${name}: ${p!.classIou[c]} vs ${expected}`);
  });
  // Every labelled validation pixel lands in exactly one confusion cell, in both variants.
  const dataset = await api.invoke('datasets:get', { datasetId });
  const trained = JSON.stringify(dataset.classes.flatMap((c, i) => (c.ignore ? [] : [i])));
  const labelled = services.db
    .prepare(
      `SELECT SUM(pixels) FROM image_classes WHERE class_index IN (SELECT value FROM json_each(?))
       AND image_id IN (SELECT id FROM images WHERE dataset_id = ? AND split = 'val')`,
    )
    .pluck()
    .get(trained, datasetId) as number;
  const total = (m: number[]) => m.reduce((a, b) => a + b, 0);
  assert.equal(total(p!.confusion), labelled);
  assert.equal(total(t!.confusion), labelled);
  const runDir = services.db.prepare('SELECT run_dir FROM runs WHERE id = ?').pluck().get(run.id) as string;
  assert.ok(existsSync(join(runDir, 'predictions', 'val-tta')));

  // The biggest off-diagonal cell: its images are listed by pixels, and add up to the cell.
  const classes = summary.classNames.length;
  let cell = 1;
  for (let i = 0; i < p!.confusion.length; i += 1) if (i % (classes + 1) !== 0 && p!.confusion[i]! > p!.confusion[cell]!) cell = i;
  const images = await api.invoke('samples:confusionImages', { runId: run.id, truth: Math.floor(cell / classes), predicted: cell % classes, limit: 500 });
  assert.equal(total(images.map((i) => i.pixels)), p!.confusion[cell]);
  assert.deepEqual(
    images.map((i) => i.pixels),
    [...images.map((i) => i.pixels)].sort((a, b) => b - a),
  );
  // Review queue: at a lower confidence threshold at least as many wrong pixels count per image.
  const strict = (await api.invoke('samples:reviewQueue', { runId: run.id, threshold: 0.95 })).items;
  const looseQueue = await api.invoke('samples:reviewQueue', { runId: run.id, threshold: 0.5 });
  const loose = looseQueue.items;
  // An empty queue names the highest threshold at which it would have images, and there it has some.
  const empty = await api.invoke('samples:reviewQueue', { runId: run.id, threshold: 0.95 });
  if (empty.items.length === 0 && empty.highestThreshold !== null && empty.highestThreshold >= 0.5) {
    assert.ok(empty.highestThreshold < 0.95);
    assert.ok((await api.invoke('samples:reviewQueue', { runId: run.id, threshold: Math.floor(empty.highestThreshold * 100) / 100 })).items.length > 0);
    const above = Math.min(0.95, Math.floor(empty.highestThreshold * 100) / 100 + 0.05);
    assert.equal((await api.invoke('samples:reviewQueue', { runId: run.id, threshold: above })).items.length, 0, 'and above it none');
  }
  if (loose.length > 0) assert.equal(looseQueue.highestThreshold, 0.5, 'a queue with images keeps its threshold');
  else assert.ok(looseQueue.highestThreshold === null || looseQueue.highestThreshold < 0.5);
  assert.ok(loose.length >= strict.length);
  for (const s of strict) assert.ok(loose.find((l) => l.imageId === s.imageId)!.pixels >= s.pixels);
  assert.deepEqual(
    loose.map((i) => i.share),
    [...loose.map((i) => i.share)].sort((a, b) => b - a),
  );

  // Without a best checkpoint there is nothing to predict with: a clear refusal, the stored predictions kept.
  renameSync(join(runDir, 'best'), join(runDir, 'best-aside'));
  await assert.rejects(api.invoke('runs:predictSplit', { runId: run.id }), { code: 'CONFLICT', message: /has no checkpoint yet/ });
  renameSync(join(runDir, 'best-aside'), join(runDir, 'best'));
  assert.equal((await api.invoke('samples:predictions', { runId: run.id })).variants.length, 2);
  assert.deepEqual([summary.bestEpoch, p!.epoch, t!.epoch], [1, 1, 1]);

  // The epoch stored with predictions is the one of the checkpoint the job read, whatever the run's
  // row said when the request came in (a run still training moves its best epoch under it).
  services.db.prepare('UPDATE runs SET best_epoch = 7 WHERE id = ?').run(run.id);
  await api.invoke('runs:predictSplit', { runId: run.id });
  const moved = await api.invoke('samples:predictions', { runId: run.id });
  assert.equal(moved.bestEpoch, 7);
  assert.equal(moved.variants.find((v) => v.variant === 'plain')!.epoch, 1, 'the checkpoint of epoch 1 made them: the page marks them stale');
});
