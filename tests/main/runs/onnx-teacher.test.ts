import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { testServices } from '../../helpers/services';

/*
 * Issue 29: an imported ONNX model (the fixture's PyTorch U-Net) teaches a SegBench student. The
 * soft targets themselves are checked against ONNX Runtime in tests/engine/train/onnx-teacher.test.ts.
 */

const fixture = resolve('tests/fixtures/onnx');
const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

test('an imported ONNX model teaches a student run; imported masks and a size off its stride are refused', async () => {
  const dataset = await api.invoke('datasets:import', {
    name: 'dubai crops',
    imagesDir: join(fixture, 'images'),
    masksDir: join(fixture, 'masks'),
    preset: 'dubai-aerial',
  });
  await services.jobs.whenIdle();
  services.db.prepare("UPDATE images SET split = CASE WHEN stem IN ('val_1', 'val_4') THEN 'val' ELSE 'test' END WHERE dataset_id = ?").run(dataset.id);
  const onnx = await api.invoke('runs:importModel', {
    onnxPath: join(fixture, 'unet-nchw-logits.onnx'),
    datasetId: dataset.id,
    window: 128,
    name: 'pytorch unet',
  });
  const masks = await api.invoke('runs:importMasks', { masksDir: join(fixture, 'masks'), datasetId: dataset.id, name: 'their masks' });
  // The student trains on the two test images and validates on the two val images.
  services.db.prepare("UPDATE images SET split = CASE WHEN stem IN ('val_1', 'val_4') THEN 'val' ELSE 'train' END WHERE dataset_id = ?").run(dataset.id);

  const student = (extra: object = {}) => ({
    datasetId: dataset.id,
    name: 'student',
    backend: 'wasm' as const,
    model: 'unet' as const,
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs: 1,
    stepsPerEpoch: 2,
    distill: { teacherRunId: onnx.id, alpha: 0.5, temperature: 2 },
    ...extra,
  });
  await assert.rejects(api.invoke('runs:start', student({ distill: { teacherRunId: masks.id } })), {
    code: 'VALIDATION',
    message: /The teacher "their masks" was imported \(an ONNX model or predicted masks\); a teacher runs inside training on tfjs/,
  });
  await assert.rejects(api.invoke('runs:start', student({ inputSize: 36 })), {
    code: 'VALIDATION',
    message: /The teacher "pytorch unet" is an imported ONNX model that takes sizes that are multiples of 8; this run's input size 36 is not\. Use 32 or 40/,
  });

  const run = await api.invoke('runs:start', student());
  const job = await api.invoke('jobs:get', { jobId: run.jobId! });
  const teacher = (job.params as { config: { distill: { teacher: { external?: { file: string; stride: number } } } } }).config.distill.teacher;
  assert.equal(teacher.external?.file, onnx.external!.file);
  assert.equal(teacher.external?.stride, 8);
  await services.jobs.whenIdle();
  const detail = await api.invoke('runs:get', { runId: run.id });
  assert.equal(detail.status, 'finished', JSON.stringify(detail.events));
  assert.ok(
    detail.events.some((e) => /^The teacher is an imported ONNX model \(unet-nchw-logits\.onnx\): ONNX Runtime computes its soft targets/.test(e.message)),
    JSON.stringify(detail.events),
  );
});
