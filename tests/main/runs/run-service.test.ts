import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import type { AppServices } from '../../../src-main/services/app-services';
import type { RunConfigInput } from '../../../src-shared/run-config';
import { jobsAhead } from '../../../src-shared/jobs';
import { sampleRunFixture } from '../../helpers/runs';

let services: AppServices;
let api: ReturnType<typeof createMemoryClient>;
let datasetId: string;
let tiny: (extra?: Partial<RunConfigInput>) => RunConfigInput;

before(async () => {
  ({ services, api, datasetId, tiny } = await sampleRunFixture());
});
after(() => services.close());

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a run trains in the engine process; epochs, per-class counts, steps and checkpoints are stored', async () => {
  const seen: { done: number; total: number; message: string; etaSeconds: number | null }[] = [];
  const unsubscribe = services.events.onAny((event, payload) => {
    const job = payload as { kind?: string; progress?: (typeof seen)[number] | null };
    if (event === 'job:update' && job.kind === 'train' && job.progress) seen.push(job.progress);
  });
  const run = await api.invoke('runs:start', tiny());
  assert.equal(run.status, 'queued');
  await services.jobs.whenIdle();
  unsubscribe();
  // One bar over both stages: 2 epochs of 2 steps and the validation images, each validated image a unit.
  const valCount = services.db.prepare("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND split = 'val'").pluck().get(datasetId) as number;
  assert.ok(seen.length > 0 && seen.every((p) => p.total === 2 * (2 + valCount)), `totals ${[...new Set(seen.map((p) => p.total))].join()}`);
  assert.ok(
    seen.some((p) => new RegExp(`^epoch 2/2: validating ${valCount}/${valCount}$`).test(p.message)),
    'validation shows as its own stage',
  );
  assert.ok(seen.some((p) => /^epoch 1\/2, step 1\/2, loss [\d.]+ \(time left: training only until the first validation\)$/.test(p.message)));
  const final = seen.at(-1)!;
  assert.deepEqual([final.done, final.etaSeconds], [final.total, 0]);
  // Once validation has a pace, the time left during training includes the validation still to come.
  const secondEpoch = seen.find((p) => p.message.startsWith('epoch 2/2, step 1/2'))!;
  assert.ok(secondEpoch.etaSeconds !== null && secondEpoch.etaSeconds > 0);
  const detail = await api.invoke('runs:get', { runId: run.id });
  assert.equal(detail.status, 'finished', detail.reason ?? '');
  assert.equal(detail.backend, 'wasm');
  assert.equal(detail.device, 'CPU (WebAssembly, SIMD), 1 thread', 'batch 2: one image per thread is too few to split');
  assert.deepEqual(
    detail.epochHistory.map((e) => e.epoch),
    [1, 2],
  );
  assert.deepEqual(detail.classNames, ['Bare land', 'Cropland', 'Forest', 'Water', 'Road', 'Building']);
  const last = detail.epochHistory[1]!;
  assert.equal(last.counts.length, 6);
  assert.ok(last.counts.reduce((n, c) => n + c.tp + c.fn, 0) > 0, 'validation pixels were counted');
  assert.ok(detail.bestEpoch !== null && detail.bestMiou !== null);
  const steps = services.db.prepare('SELECT COUNT(*) FROM run_steps WHERE run_id = ?').pluck().get(run.id);
  assert.equal(steps, 4);
  const perImage = services.db.prepare('SELECT COUNT(DISTINCT image_id) FROM run_image_counts WHERE run_id = ? AND epoch = 2').pluck().get(run.id);
  assert.ok((perImage as number) > 0);
  const runDir = join(services.dataDir, 'runs', run.id);
  assert.ok(existsSync(join(runDir, 'last', 'checkpoint.json')) && existsSync(join(runDir, 'best', 'weights.bin')));
  // The events log holds each epoch's losses, mIoU and time, and each checkpoint.
  const epochEvents = detail.events.filter((e) => e.message.startsWith('Epoch ')).map((e) => e.message);
  // Each says how much of the epoch went to validation, at most the epoch's time.
  const validationSeconds = epochEvents.map((m) => Number(/ s \(validation (\d+\.\d) s\)\.$/.exec(m)?.[1]));
  detail.epochHistory.forEach((e, i) => assert.ok(validationSeconds[i]! >= 0 && validationSeconds[i]! <= e.seconds! + 0.05, epochEvents[i]));
  assert.deepEqual(
    epochEvents,
    detail.epochHistory.map(
      (e, i) =>
        `Epoch ${e.epoch}: train loss ${e.trainLoss!.toFixed(4)}, validation loss ${e.valLoss!.toFixed(4)}, mIoU ${e.miou!.toFixed(3)}, ${e.seconds!.toFixed(1)} s (validation ${validationSeconds[i]!.toFixed(1)} s).`,
    ),
  );
  assert.equal(detail.events.filter((e) => e.message.startsWith('Checkpoint')).length, 2);
  assert.ok(
    detail.events.some((e) => /^Checkpoints saved: last and best \(epoch 1 is the new best by mIoU on all \d+ validation images\)\.$/.test(e.message)),
    JSON.stringify(detail.events),
  );
  assert.equal(detail.classColors.length, 6);
  const datasetClasses = (await api.invoke('datasets:get', { datasetId })).classes;
  assert.deepEqual(
    detail.classColors,
    detail.classNames.map((name) => datasetClasses.find((c) => c.name === name)!.color),
    'the dataset colour of each class',
  );
  await assert.rejects(api.invoke('runs:resume', { runId: run.id }), {
    code: 'CONFLICT',
    message: /is finished; only stopped, crashed or failed runs can be resumed/,
  });
});

test('kill -9 of the engine mid-run leaves the run crashed; resume continues it to the end with one history', async () => {
  const run = await api.invoke('runs:start', tiny({ epochs: 5 }));
  const pid = await until(async () => {
    const detail = await api.invoke('runs:get', { runId: run.id });
    if (detail.epochsDone < 1 || !detail.jobId) return undefined;
    return (await api.invoke('jobs:get', { jobId: detail.jobId })).enginePid ?? undefined;
  });
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const crashed = await until(async () => {
    const detail = await api.invoke('runs:get', { runId: run.id });
    return detail.status === 'crashed' ? detail : undefined;
  });
  assert.ok(Date.now() - killedAt < 5_000);
  assert.match(crashed.reason ?? '', /killed by signal SIGKILL/);
  const doneBefore = crashed.epochsDone;
  assert.ok(doneBefore >= 1 && doneBefore < 5);

  const resumed = await api.invoke('runs:resume', { runId: run.id });
  assert.equal(resumed.id, run.id);
  await services.jobs.whenIdle();
  const detail = await api.invoke('runs:get', { runId: run.id });
  assert.equal(detail.status, 'finished', detail.reason ?? '');
  assert.deepEqual(
    detail.epochHistory.map((e) => e.epoch),
    [1, 2, 3, 4, 5],
  );
  assert.ok(
    detail.events.some((e) => e.message === `Resumed after epoch ${doneBefore}.`),
    JSON.stringify(detail.events),
  );
});

test('stop asks the engine to stop: the run ends stopped and can be resumed', async () => {
  const run = await api.invoke('runs:start', tiny({ epochs: 50 }));
  await until(async () => ((await api.invoke('runs:get', { runId: run.id })).status === 'running' ? true : undefined));
  const stopped = await api.invoke('runs:stop', { runId: run.id });
  assert.equal(stopped.status, 'stopped');
  await assert.rejects(api.invoke('runs:delete', { runId: 'nope' }), { code: 'NOT_FOUND' });
  assert.deepEqual(await api.invoke('runs:delete', { runId: run.id }), { deleted: true });
});

test('bad launches are refused with what is valid', async () => {
  await assert.rejects(api.invoke('runs:start', { ...tiny(), model: 'segformer' as 'unet' }), {
    code: 'VALIDATION',
    message: /model: Invalid option: expected one of "unet"\|"unet-mobilenetv2"\|"deeplabv3plus"\|"fpn"/,
  });
  await assert.rejects(api.invoke('runs:start', tiny({ inputSize: 100, modelOptions: { depth: 4 } })), {
    message: 'Input size 100 does not fit unet: it must be a multiple of 16. Nearest valid: 96 or 112.',
  });
  await assert.rejects(api.invoke('runs:start', tiny({ batchSize: 0, optimizer: { lr: 5 } })), {
    message: /batchSize: Too small: expected number to be >=1.*optimizer\.lr: Too big: expected number to be <=1/,
  });
  await assert.rejects(api.invoke('runs:start', tiny({ datasetId: 'missing' })), { code: 'NOT_FOUND' });
  services.db.prepare("UPDATE images SET split = 'train' WHERE dataset_id = ?").run(datasetId);
  await assert.rejects(api.invoke('runs:start', tiny()), { message: /has no validation images\. Make a split with a validation share/ });
  await api.invoke('datasets:split', { datasetId, train: 0.75, val: 0.25 });
});

test('runs can be renamed, tagged, annotated and archived; summaries carry per-class IoU at the best epoch', async () => {
  const run = await api.invoke('runs:start', tiny({ epochs: 1, name: 'to edit' }));
  await services.jobs.whenIdle();
  const updated = await api.invoke('runs:update', { runId: run.id, name: 'renamed', tags: ['baseline', 'ce'], notes: 'first try', archived: true });
  assert.equal(updated.name, 'renamed');
  assert.deepEqual(updated.tags, ['baseline', 'ce']);
  assert.equal(updated.notes, 'first try');
  assert.equal(updated.archived, true);
  assert.deepEqual(Object.keys(updated.bestClassIou), ['Bare land', 'Cropland', 'Forest', 'Water', 'Road', 'Building']);
  await assert.rejects(api.invoke('runs:update', { runId: run.id, tags: ['x'.repeat(40)] }), { code: 'VALIDATION', message: /tags\.0: Too big/ });
});

test('queued jobs can be moved earlier or later; only queued ones', async () => {
  const blocker = await api.invoke('jobs:startDiagnostic', { steps: 50, stepMs: 50 });
  const a = await api.invoke('runs:start', tiny({ name: 'a' }));
  const b = await api.invoke('runs:start', tiny({ name: 'b' }));
  const order = await api.invoke('jobs:move', { jobId: b.jobId!, direction: 'earlier' });
  assert.deepEqual(
    order.map((j) => j.id),
    [b.jobId, a.jobId],
  );
  // Every job carries its place (issue 32, 6): the renderer counts the jobs ahead of one and orders the queue by it.
  const listed = await api.invoke('jobs:list', {});
  const placeOf = (id: string | null) => listed.find((j) => j.id === id)!.queuePosition;
  assert.ok(placeOf(b.jobId) < placeOf(a.jobId));
  assert.deepEqual(
    [a.jobId, b.jobId].map((id) =>
      jobsAhead(
        listed.find((j) => j.id === id)!,
        listed,
      ),
    ),
    [2, 1],
  );
  await assert.rejects(api.invoke('jobs:move', { jobId: blocker.id, direction: 'later' }), { code: 'CONFLICT' });
  await api.invoke('runs:stop', { runId: a.id });
  await api.invoke('runs:stop', { runId: b.id });
  await api.invoke('jobs:cancel', { jobId: blocker.id });
  await services.jobs.whenIdle();
});

test('a dry run estimates memory and time per epoch, and says when the wasm heap cannot hold the step', async () => {
  const small = await api.invoke('runs:estimate', tiny());
  assert.equal(small.fits, true);
  assert.equal(small.backend, 'wasm');
  assert.equal(small.stepsPerEpoch, 2);
  assert.ok(small.stepSeconds > 0 && small.trainSecondsPerEpoch === small.stepSeconds * 2);
  assert.ok(small.validationSeconds > 0);
  const big = await api.invoke('runs:estimate', tiny({ inputSize: 512, batchSize: 16, modelOptions: { depth: 4, width: 16 } }));
  assert.equal(big.fits, false);
  assert.equal(big.largestBatch, 1);
  assert.ok(big.stepMiB > 3 * 1024);
});

test('recipes: replication resolves to repeats of the images rich in a class, minority crops to labels; the preview shows the exposure; the run trains', async () => {
  const dataset = await api.invoke('datasets:get', { datasetId });
  const water = dataset.classes.findIndex((c) => c.name === 'Water');
  // Independently: training images where Water covers at least 5% of the image.
  const expected = (
    services.db
      .prepare(
        `SELECT i.id FROM images i JOIN image_classes c ON c.image_id = i.id
         WHERE i.dataset_id = ? AND i.split = 'train' AND c.class_index = ? AND c.pixels > 0 AND c.pixels >= 0.05 * i.width * i.height ORDER BY i.id`,
      )
      .pluck()
      .all(datasetId, water) as number[]
  ).map(String);
  assert.ok(expected.length > 0, 'the sample has training images with water');
  const config = tiny({
    epochs: 1,
    name: 'recipes',
    replicate: { classes: ['Water'], minShare: 0.05, times: 3 },
    minorityCrops: { classes: ['Water', 'Building'], share: 0.7 },
  });
  const preview = await api.invoke('runs:recipePreview', config);
  assert.equal(preview.replicated, expected.length);
  const trainCount = services.db.prepare("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND split = 'train'").pluck().get(datasetId) as number;
  assert.equal(preview.trainImages, trainCount);
  assert.equal(preview.drawsPerPass, trainCount + 2 * expected.length);
  const w = preview.classNames.indexOf('Water');
  assert.ok(preview.sharesAfter[w]! > preview.sharesBefore[w]!, 'replication raises the water share');
  assert.ok(Math.abs(preview.sharesAfter.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  // Minority crops alone, on every draw: the crops centred on water show more water than the images do.
  const cropsOnly = await api.invoke('runs:recipePreview', tiny({ minorityCrops: { classes: ['Water'], share: 1 } }));
  const withWater = services.db
    .prepare(
      `SELECT COUNT(*) FROM images i JOIN image_classes c ON c.image_id = i.id WHERE i.dataset_id = ? AND i.split = 'train' AND c.class_index = ? AND c.pixels > 0`,
    )
    .pluck()
    .get(datasetId, water) as number;
  assert.deepEqual(cropsOnly.minorityCrops && { images: cropsOnly.minorityCrops.images, share: cropsOnly.minorityCrops.share }, {
    images: withWater,
    share: 1,
  });
  assert.ok(
    cropsOnly.sharesAfter[w]! > 1.2 * cropsOnly.sharesBefore[w]!,
    `water ${cropsOnly.sharesBefore[w]} -> ${cropsOnly.sharesAfter[w]} with centred crops`,
  );
  const none = await api.invoke('runs:recipePreview', tiny({ minorityCrops: { classes: ['Water'], share: 0 } }));
  assert.deepEqual(none.sharesAfter, none.sharesBefore, 'a share of 0 changes nothing');

  const run = await api.invoke('runs:start', config);
  const job = await api.invoke('jobs:get', { jobId: run.jobId! });
  const params = job.params as { config: { replicate: { repeats: Record<string, number> }; minorityCrops: { labels: number[] } }; classNames: string[] };
  assert.deepEqual(Object.keys(params.config.replicate.repeats).sort(), [...expected].sort());
  assert.ok(Object.values(params.config.replicate.repeats).every((k) => k === 3));
  assert.deepEqual(params.config.minorityCrops.labels, [params.classNames.indexOf('Water'), params.classNames.indexOf('Building')]);
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('runs:get', { runId: run.id })).status, 'finished');

  await assert.rejects(api.invoke('runs:start', tiny({ replicate: { classes: ['Lava'] } })), {
    code: 'VALIDATION',
    message: /replicate\.classes: "Lava" is not a class .* trains on; valid: Bare land, Cropland, Forest, Water, Road, Building/,
  });
  await assert.rejects(api.invoke('runs:start', tiny({ minorityCrops: { classes: ['Water'], share: 1.5 } })), {
    code: 'VALIDATION',
    message: /minorityCrops\.share/,
  });
});

test('evaluation jobs: each run plain reproduces its best epoch; TTA and the ensemble are stored beside them; bad requests are refused', async () => {
  const runs = (await api.invoke('runs:list', {})).filter((r) => r.status === 'finished' && r.datasetId === datasetId).slice(0, 2);
  assert.equal(runs.length, 2);
  const started = await api.invoke('evals:start', { runIds: runs.map((r) => r.id), tta: { flips: true, scales: [1.25] } });
  assert.equal(started.images, services.db.prepare("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND split = 'val'").pluck().get(datasetId));
  await services.jobs.whenIdle();
  const [stored] = await api.invoke('evals:list', {});
  assert.equal(stored!.status, 'finished');
  const [a, b] = runs.map((r) => r.name);
  assert.deepEqual(
    stored!.variants.map((v) => v.name),
    [a, `${a} + TTA`, b, `${b} + TTA`, 'ensemble of 2', 'ensemble of 2 + TTA'],
  );
  for (const run of runs) {
    const detail = await api.invoke('runs:get', { runId: run.id });
    const plain = stored!.variants.find((v) => v.name === run.name)!;
    stored!.classNames.forEach((name, c) => {
      const expected = detail.bestClassIou[name] ?? null;
      if (expected === null) assert.equal(plain.classIou[c], null);
      else assert.ok(Math.abs(plain.classIou[c]! - expected) < 1e-9, `${run.name} ${name}`);
    });
  }
  for (const v of stored!.variants) assert.ok(v.miou !== null && v.miou >= 0 && v.miou <= 1);

  await assert.rejects(api.invoke('evals:start', { runIds: ['nope'] }), { code: 'NOT_FOUND' });
  await assert.rejects(api.invoke('evals:start', { runIds: [runs[0]!.id], tta: { flips: true, scales: [2] } }), { code: 'VALIDATION', message: /scales/ });
});

test('distillation: the teacher resolves to its best checkpoint with an identity matrix by name; the student trains; bad teachers and matrices are refused', async () => {
  const teacher = await api.invoke('runs:start', tiny({ epochs: 1, name: 'teacher' }));
  await services.jobs.whenIdle();
  const student = await api.invoke('runs:start', tiny({ epochs: 1, name: 'student', distill: { teacherRunId: teacher.id, alpha: 0.5, temperature: 3 } }));
  const job = await api.invoke('jobs:get', { jobId: student.jobId! });
  const distill = (
    job.params as { config: { distill: { matrix: number[][]; alpha: number; temperature: number; teacher: { runDir: string; classNames: string[] } } } }
  ).config.distill;
  assert.deepEqual(
    distill.matrix,
    [0, 1, 2, 3, 4, 5].map((t) => [0, 1, 2, 3, 4, 5].map((s) => (s === t ? 1 : 0))),
  );
  assert.equal(distill.teacher.runDir, join(services.dataDir, 'runs', teacher.id));
  assert.deepEqual([distill.alpha, distill.temperature], [0.5, 3]);
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('runs:get', { runId: student.id })).status, 'finished');

  const sixBySix = (row: number[]) => [row, ...[1, 2, 3, 4, 5].map((t) => [0, 1, 2, 3, 4, 5].map((s) => (s === t ? 1 : 0)))];
  await assert.rejects(api.invoke('runs:start', tiny({ distill: { teacherRunId: teacher.id, matrix: sixBySix([0.5, 0.4, 0, 0, 0, 0]) } })), {
    code: 'VALIDATION',
    message: /distill\.matrix: row "Bare land" sums to 0\.9\. Each row must sum to 1/,
  });
  await assert.rejects(api.invoke('runs:start', tiny({ inputSize: 64, distill: { teacherRunId: teacher.id } })), {
    code: 'VALIDATION',
    message: /its input size is 32x32, the student's 64x64/,
  });
  await assert.rejects(api.invoke('runs:start', tiny({ distill: { teacherRunId: 'nope' } })), {
    code: 'NOT_FOUND',
    message: /distill\.teacherRunId: no run with id nope/,
  });
  await assert.rejects(api.invoke('runs:start', tiny({ distill: { teacherRunId: teacher.id, alpha: 2 } })), { code: 'VALIDATION', message: /distill\.alpha/ });
});

test("issue 32 (2): with a validation subset, every epoch is judged on the subset's images; the best is marked with its image count", async () => {
  const valCount = services.db.prepare("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND split = 'val'").pluck().get(datasetId) as number;
  assert.ok(valCount >= 2, 'the fixture has at least 2 validation images');
  const run = await api.invoke('runs:start', tiny({ epochs: 3, validateEvery: 1, validationSubset: { share: 1, max: 1 } }));
  await services.jobs.whenIdle();
  const detail = await api.invoke('runs:get', { runId: run.id });
  assert.equal(detail.status, 'finished', detail.reason ?? '');
  // Epochs 1 and 2 validate the 1-image subset, the last every image; each says so.
  assert.deepEqual(
    detail.epochHistory.map((e) => e.validated),
    [
      { images: 1, of: valCount },
      { images: 1, of: valCount },
      { images: valCount, of: valCount },
    ],
  );
  // The figure each epoch was judged by is the mIoU over the subset's image, the last epoch's
  // from its per-image counts: computed here from the stored per-image rows, independently.
  const subsetImage = services.db.prepare('SELECT DISTINCT image_id FROM run_image_counts WHERE run_id = ? AND epoch = 1').pluck().all(run.id) as number[];
  assert.equal(subsetImage.length, 1);
  const judged = services.db.prepare('SELECT epoch, judged_miou, is_best FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(run.id) as {
    epoch: number;
    judged_miou: number;
    is_best: number;
  }[];
  for (const row of judged) {
    const counts = Array.from({ length: 6 }, () => ({ tp: 0, fp: 0, fn: 0 }));
    for (const c of services.db
      .prepare('SELECT class_index, tp, fp, fn FROM run_image_counts WHERE run_id = ? AND epoch = ? AND image_id = ?')
      .all(run.id, row.epoch, subsetImage[0]) as { class_index: number; tp: number; fp: number; fn: number }[]) {
      counts[c.class_index] = { tp: c.tp, fp: c.fp, fn: c.fn };
    }
    const ious = counts.filter((c) => c.tp + c.fp + c.fn > 0).map((c) => c.tp / (c.tp + c.fp + c.fn));
    assert.ok(Math.abs(row.judged_miou - ious.reduce((a, b) => a + b, 0) / ious.length) < 1e-9, `epoch ${row.epoch} judged on the subset image`);
  }
  // Best: a new best only when the subset figure beats every earlier one.
  let best = -Infinity;
  for (const row of judged) {
    assert.equal(row.is_best === 1, row.judged_miou > best, `epoch ${row.epoch}`);
    best = Math.max(best, row.judged_miou);
  }
  const summary = (await api.invoke('runs:list', {})).find((r) => r.id === run.id)!;
  assert.deepEqual(summary.bestSubset, detail.bestEpoch === 3 ? null : { images: 1, of: valCount });
  assert.ok(
    detail.events.some((e) => /is the new best by mIoU [\d.]+ on the validation subset, 1 of \d+ images, the images every epoch is judged on/.test(e.message)),
  );
});
