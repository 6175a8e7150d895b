import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import type { AppServices } from '../../../src-main/services/app-services';
import { strengthNotes } from '../../../src-shared/label-errors';
import type { LabelCheckSummary } from '../../../src-shared/label-errors';
import { plantedErrorFolder } from '../../helpers/planted-errors';
import { testServices } from '../../helpers/services';

// "Find label errors" through the API: fold models on a planted-error set, the queue across the
// dataset, accepting the out-of-fold prediction in a suspect region, keeping a label, stale masks.
let services: AppServices;
let api: ReturnType<typeof createMemoryClient>;
let datasetId: string;
let planted: string;
let check: LabelCheckSummary;

before(async () => {
  services = testServices();
  api = createMemoryClient(services);
  const folder = await plantedErrorFolder(12, 32, [4]);
  planted = folder.planted[0]!;
  const summary = await api.invoke('datasets:import', { name: 'planted', imagesDir: join(folder.dir, 'images'), masksDir: join(folder.dir, 'masks') });
  await services.jobs.whenIdle();
  datasetId = summary.id;
  check = await api.invoke('labelErrors:start', { datasetId, folds: 3, epochs: 40, inputSize: 32 });
  await assert.rejects(api.invoke('labelErrors:start', { datasetId }), { code: 'CONFLICT', message: /being looked for right now/ });
  await assert.rejects(api.invoke('labelErrors:queue', { checkId: check.id }), { code: 'CONFLICT', message: /still (queued|running)/ });
  await services.jobs.whenIdle();
});
after(() => services.close());

test('a dataset with too few images for the folds is refused with the minimum', async () => {
  const folder = await plantedErrorFolder(2, 32, []);
  const small = await api.invoke('datasets:import', { name: 'two', imagesDir: join(folder.dir, 'images'), masksDir: join(folder.dir, 'masks') });
  await services.jobs.whenIdle();
  await assert.rejects(api.invoke('labelErrors:start', { datasetId: small.id, folds: 4 }), {
    code: 'VALIDATION',
    message: /has 2 indexed image\(s\); 4 folds need at least 4/,
  });
  await assert.rejects(api.invoke('labelErrors:start', { datasetId: small.id, folds: 7 }), { code: 'VALIDATION' });
});

test('the check finishes with every fold and ranks the planted error first; its class pair filters the queue', async () => {
  const [listed] = await api.invoke('labelErrors:list', { datasetId });
  assert.equal(listed!.status, 'finished');
  assert.deepEqual(listed!.foldsDone, [0, 1, 2]);
  assert.equal(listed!.images, 12);
  // The 0/1 masks match the LandCover.ai preset (Background, Building, Woodland, Water, Road): classes
  // without a pixel have no threshold.
  assert.deepEqual(listed!.classNames.slice(0, 2), ['Background', 'Building']);
  assert.deepEqual(
    listed!.thresholds!.map((t) => t !== null),
    [true, true, false, false, false],
  );
  // The quick preset sized by pixels: 32 px tiles at 32 px are one window each, 8 per fold's training images, 2 steps a pass.
  assert.deepEqual([listed!.plan!.stepsPerEpoch, listed!.plan!.stepsPerFold, listed!.plan!.passes], [2, 80, 40]);
  // Models that learnt both classes pass the strength gate (measured: out-of-fold mIoU 0.58, Road's few stray pixels count 0;
  // Background 0.68 on its own pixels and 0.03 elsewhere, Building 0.92 and 0.09).
  const strength = listed!.strength!;
  assert.equal(strength.weak, false, JSON.stringify(strength));
  assert.deepEqual(
    strength.classes.map((c) => c.weak),
    [false, false, false, false, false],
    JSON.stringify(strength),
  );
  assert.deepEqual(
    strength.classes.map((c) => c.confidence),
    listed!.thresholds,
  );
  const queue = await api.invoke('labelErrors:queue', { checkId: check.id });
  assert.equal(queue.total, 12);
  assert.equal(queue.items[0]!.stem, planted, queue.items.map((i) => `${i.stem}:${i.softmin}`).join(' '));
  const softmins = queue.items.map((i) => i.softmin!);
  assert.deepEqual(
    [...softmins].sort((a, b) => a - b),
    softmins,
    'worst (lowest softmin) first',
  );
  assert.deepEqual(queue.items[0]!.topPairs[0]!.given, 0);
  assert.deepEqual(queue.items[0]!.topPairs[0]!.predicted, 1);
  const pair = await api.invoke('labelErrors:queue', { checkId: check.id, given: 0, predicted: 1 });
  assert.ok(pair.items.some((i) => i.stem === planted));
  assert.ok(pair.items.every((i) => i.pairPixels! > 0));
  // Box edges count in the below-threshold share too: the planted image scores above the typical clean one, not always first.
  const byThreshold = await api.invoke('labelErrors:queue', { checkId: check.id, score: 'below-threshold' });
  const clean = byThreshold.items.filter((i) => i.stem !== planted).map((i) => i.belowShare);
  assert.ok(
    byThreshold.items.find((i) => i.stem === planted)!.belowShare > clean[Math.floor(clean.length / 2)]!,
    byThreshold.items.map((i) => `${i.stem}:${i.belowShare.toFixed(3)}`).join(' '),
  );
  const shares = byThreshold.items.map((i) => i.belowShare);
  assert.deepEqual(
    [...shares].sort((a, b) => b - a),
    shares,
    'highest share first',
  );
  await assert.rejects(api.invoke('labelErrors:queue', { checkId: check.id, given: 5, predicted: 0 }), { code: 'VALIDATION', message: /below 5/ });
});

test('a check whose fold models saw each pixel once (2 steps each) is too weak to judge: it says so overall and per class, stored with the check', async () => {
  const folder = await plantedErrorFolder(12, 32, [4]);
  const weakSet = await api.invoke('datasets:import', { name: 'weak', imagesDir: join(folder.dir, 'images'), masksDir: join(folder.dir, 'masks') });
  await services.jobs.whenIdle();
  const plan = await api.invoke('labelErrors:plan', { datasetId: weakSet.id, folds: 3, epochs: 1, inputSize: 32 });
  assert.deepEqual([plan.stepsPerEpoch, plan.stepsPerFold, plan.passes, plan.sizedBy], [2, 2, 1, 'pixels']);
  const weak = await api.invoke('labelErrors:start', { datasetId: weakSet.id, folds: 3, epochs: 1, inputSize: 32 });
  assert.deepEqual(weak.plan, plan);
  assert.equal(weak.strength, null, 'judged once the check has finished');
  await services.jobs.whenIdle();
  const [listed] = await api.invoke('labelErrors:list', { datasetId: weakSet.id });
  const strength = listed!.strength!;
  const figures = JSON.stringify(strength);
  // Measured: out-of-fold mIoU 0.06 (folds 0.06, 0.07, 0.06): the models call most pixels Building. Background: 0.17 on its own
  // pixels, 0.05 on Building's (a gap under 0.2), pixel share 0.83.
  assert.equal(strength.weak, true, figures);
  assert.ok(strength.miou! < strength.floor, figures);
  assert.deepEqual(
    strength.folds.map((f) => f.images),
    [4, 4, 4],
  );
  assert.equal(strength.classes[0]!.weak, true, figures);
  assert.ok(strength.classes[0]!.confidence! - strength.classes[0]!.chance! < strength.margin, figures);
  // Classes without a labelled pixel are not judged.
  assert.deepEqual(
    strength.classes.slice(2).map((c) => [c.confidence, c.share, c.weak]),
    [
      [null, 0, false],
      [null, 0, false],
      [null, 0, false],
    ],
  );
  // Stored with the check as JSON (migration 17) and read back through its schema; the queue carries it too.
  const stored = services.db.prepare<[number], string>('SELECT strength FROM label_checks WHERE id = ?').pluck().get(weak.id)!;
  assert.deepEqual(JSON.parse(stored), strength);
  const queue = await api.invoke('labelErrors:queue', { checkId: weak.id });
  assert.deepEqual(queue.check.strength, strength);
  const notes = strengthNotes(strength, listed!.classNames);
  assert.match(notes.overall!, /^Too weak to judge: the fold models' out-of-fold mIoU is 0\.0\d, below 0\.25/);
  assert.match(
    notes.classes[0]!.text,
    /^Background: too weak to judge\. The models give its own pixels 0\.\d\d on average and other classes' pixels 0\.\d\d \(its pixel share is 0\.8\d\)/,
  );
  await api.invoke('datasets:delete', { datasetId: weakSet.id });
});

test('accepting the prediction in the suspect region corrects the mask and the image leaves the queue; keeping a label counts as reviewed', async () => {
  const queue = await api.invoke('labelErrors:queue', { checkId: check.id });
  const item = queue.items[0]!;
  const before = await sharp((await api.invoke('revisions:list', { imageId: item.imageId })).effectivePath)
    .extractChannel(0)
    .raw()
    .toBuffer();
  await assert.rejects(api.invoke('labelErrors:accept', { checkId: check.id, imageId: item.imageId, region: 99 }), {
    code: 'VALIDATION',
    message: /suspect region\(s\); region must be 1 to/,
  });
  const revisions = await api.invoke('labelErrors:accept', { checkId: check.id, imageId: item.imageId, region: 1 });
  assert.equal(revisions.items.length, 1);
  assert.match(
    revisions.items[0]!.summary,
    new RegExp(`accepted the out-of-fold prediction of label check #${check.id}, fold ${item.fold + 1} model \\(in a region of [\\d,]+ px\\)`),
  );
  const afterMask = await sharp(revisions.effectivePath).extractChannel(0).raw().toBuffer();
  const flag = await sharp(item.flagPath).extractChannel(0).raw().toBuffer();
  const predicted = await sharp(item.predictionPath).extractChannel(0).raw().toBuffer();
  let changed = 0;
  for (let p = 0; p < afterMask.length; p += 1) {
    if (afterMask[p] !== before[p]) {
      changed += 1;
      assert.equal(flag[p], 255, 'only flagged pixels change');
      // Training label i is mask value i in this preset.
      assert.equal(afterMask[p], predicted[p], 'to the out-of-fold prediction');
    }
  }
  assert.equal(changed, revisions.items[0]!.changedPixels);
  assert.ok(changed > 20);
  const next = await api.invoke('labelErrors:queue', { checkId: check.id });
  assert.ok(!next.items.some((i) => i.imageId === item.imageId), 'a reviewed image leaves the queue');
  assert.equal(next.total, 11);
  const kept = await api.invoke('labelErrors:keep', { checkId: check.id, imageId: next.items[0]!.imageId });
  assert.equal(kept.reviewed, 2);
  assert.equal(kept.corrected, 1);
  const all = await api.invoke('labelErrors:queue', { checkId: check.id, includeReviewed: true });
  assert.deepEqual(
    all.items
      .filter((i) => i.review !== null)
      .map((i) => i.review)
      .sort(),
    ['corrected', 'kept'],
  );
});

test('issue 32 (3): a review is undone and redone from the queue: undo puts the scored mask back (recorded, the revision kept) and the image back in the queue, redo puts the same revision back; a revert made elsewhere counts the image unreviewed', async () => {
  const all = await api.invoke('labelErrors:queue', { checkId: check.id, includeReviewed: true });
  const corrected = all.items.find((i) => i.review === 'corrected')!;
  const kept = all.items.find((i) => i.review === 'kept')!;
  const revisionId = (await api.invoke('revisions:list', { imageId: corrected.imageId })).current!;
  assert.ok(revisionId > 0);

  const undone = await api.invoke('labelErrors:undo', { checkId: check.id, imageId: corrected.imageId });
  assert.equal(undone.revisions.current, null);
  assert.equal(undone.revisions.items.length, 1, 'the correction is kept, to redo');
  assert.deepEqual(
    undone.revisions.moves.map((m) => m.how),
    ['undo'],
  );
  assert.match(undone.revisions.moves[0]!.summary, new RegExp(`^undid revision 1, back to the original \\(from label check #${check.id}'s queue\\)$`));
  assert.equal(undone.item.review, null);
  assert.equal(undone.item.stale, false);
  let queue = await api.invoke('labelErrors:queue', { checkId: check.id });
  assert.ok(
    queue.items.some((i) => i.imageId === corrected.imageId),
    'back in the queue',
  );
  assert.equal(queue.check.corrected, 0);
  await assert.rejects(api.invoke('labelErrors:undo', { checkId: check.id, imageId: corrected.imageId }), { code: 'CONFLICT', message: /nothing to undo/ });

  const redone = await api.invoke('labelErrors:redo', { checkId: check.id, imageId: corrected.imageId });
  assert.equal(redone.revisions.current, revisionId);
  assert.equal(redone.revisions.items.length, 1, 'the same revision, no second file');
  assert.equal(redone.item.review, 'corrected');
  await assert.rejects(api.invoke('labelErrors:redo', { checkId: check.id, imageId: corrected.imageId }), {
    code: 'CONFLICT',
    message: /nothing of label check #\d+ to redo/,
  });

  // Undoing "the label is right" reopens the image; keeping it again closes it.
  const reopened = await api.invoke('labelErrors:undo', { checkId: check.id, imageId: kept.imageId });
  assert.equal(reopened.item.review, null);
  assert.deepEqual(reopened.revisions.moves, []);
  await api.invoke('labelErrors:keep', { checkId: check.id, imageId: kept.imageId });

  // Reverted in another viewer: the scored mask is in effect again, so the image is unreviewed, not stale.
  await api.invoke('revisions:restore', { imageId: corrected.imageId, revisionId: null });
  queue = await api.invoke('labelErrors:queue', { checkId: check.id });
  const back = queue.items.find((i) => i.imageId === corrected.imageId)!;
  assert.equal(back.review, null);
  assert.equal(back.stale, false);
  assert.deepEqual([queue.check.reviewed, queue.check.corrected, queue.check.stale], [1, 0, 0]);
  await api.invoke('revisions:restore', { imageId: corrected.imageId, revisionId });
  const [again] = await api.invoke('labelErrors:list', { datasetId });
  assert.deepEqual([again!.reviewed, again!.corrected], [2, 1]);
});

test('a mask changed elsewhere since the check is stale: listed last, marked, and not corrected from old scores', async () => {
  const queue = await api.invoke('labelErrors:queue', { checkId: check.id });
  const target = queue.items[0]!;
  await api.invoke('revisions:create', {
    action: 'paint',
    imageId: target.imageId,
    classIndex: 1,
    region: { polygons: [[0, 0, 6, 0, 6, 6, 0, 6]], strokes: [] },
  });
  const after = await api.invoke('labelErrors:queue', { checkId: check.id });
  const stale = after.items.find((i) => i.imageId === target.imageId)!;
  assert.equal(stale.stale, true);
  assert.equal(after.items.at(-1)!.imageId, target.imageId);
  assert.equal(after.check.stale, 1);
  await assert.rejects(api.invoke('labelErrors:accept', { checkId: check.id, imageId: target.imageId }), {
    code: 'CONFLICT',
    message: /changed since label check #\d+ scored it/,
  });
  await assert.rejects(api.invoke('labelErrors:resume', { checkId: check.id }), { code: 'CONFLICT', message: /has finished/ });
});

test('the next run trains on the corrected masks and records how many it had, for Compare', async () => {
  const run = await api.invoke('runs:start', {
    datasetId,
    backend: 'wasm',
    model: 'unet',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 1,
  });
  const job = await api.invoke('jobs:get', { jobId: run.jobId! });
  const params = job.params as { train: { imageId: number; maskPath: string }[]; val: { imageId: number; maskPath: string }[] };
  const corrected = services.db
    .prepare<[string], { id: number; path: string }>('SELECT i.id, r.path FROM images i JOIN mask_revisions r ON r.id = i.revision_id WHERE i.dataset_id = ?')
    .all(datasetId);
  assert.equal(corrected.length, 2, 'the accepted region and the painted square');
  for (const { id, path } of corrected) assert.equal([...params.train, ...params.val].find((item) => item.imageId === id)?.maskPath, path);
  assert.equal(run.correctedMasks, 2);
  await services.jobs.whenIdle();

  // A finished run can score its own validation images instead of training fold models.
  const reuse = await api.invoke('labelErrors:start', { datasetId, reuseRun: run.id });
  await services.jobs.whenIdle();
  const [latest] = await api.invoke('labelErrors:list', { datasetId });
  assert.equal(latest!.id, reuse.id);
  assert.equal(latest!.folds, 0);
  assert.equal(latest!.status, 'finished');
  assert.equal(latest!.images, params.val.length);
  const queue = await api.invoke('labelErrors:queue', { checkId: reuse.id });
  assert.deepEqual(queue.items.map((i) => i.imageId).sort(), params.val.map((i) => i.imageId).sort());

  // Removing the dataset removes its checks and their files (fold models, maps).
  const dirs = [
    dirname(queue.items[0]!.predictionPath),
    dirname((await api.invoke('labelErrors:queue', { checkId: check.id, includeReviewed: true })).items[0]!.predictionPath),
  ];
  assert.ok(dirs.every((dir) => existsSync(dir)));
  await api.invoke('datasets:delete', { datasetId });
  assert.ok(dirs.every((dir) => !existsSync(dir)));
  assert.equal(services.db.prepare('SELECT COUNT(*) FROM label_checks').pluck().get(), 0);
});
