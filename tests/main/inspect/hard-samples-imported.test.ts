import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { testServices } from '../../helpers/services';

// Hard samples of an imported model (an external run): it has no epochs, so its validation images
// are ranked from its stored predictions, once Inspect has made them.
const fixture = resolve('tests/fixtures/onnx');
const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

test("an imported model's validation images rank worst first from its stored predictions, and not before they are stored", async () => {
  const dataset = await api.invoke('datasets:import', {
    name: 'dubai crops',
    imagesDir: join(fixture, 'images'),
    masksDir: join(fixture, 'masks'),
    preset: 'dubai-aerial',
  });
  await services.jobs.whenIdle();
  services.db.prepare("UPDATE images SET split = CASE WHEN stem IN ('val_1', 'val_2') THEN 'val' ELSE 'train' END WHERE dataset_id = ?").run(dataset.id);
  const run = await api.invoke('runs:importModel', { onnxPath: join(fixture, 'unet-nchw-logits.onnx'), datasetId: dataset.id, window: 128 });
  await assert.rejects(
    api.invoke('samples:hardest', { runId: run.id }),
    /is an imported model: it has no epochs, so its images are ranked from its stored validation predictions\. Predict the validation images first/,
  );

  await services.predictions.predictSplit(run.id, 'val');
  const ranked = await api.invoke('samples:hardest', { runId: run.id });
  assert.equal(ranked.epoch, null);
  assert.deepEqual(ranked.classNames, ['Building', 'Land (unpaved)', 'Road', 'Vegetation', 'Water', 'Unlabeled']);
  assert.deepEqual(
    ranked.items.map((i) => i.stem),
    ['val_1', 'val_2'],
    "PyTorch's image mIoU: val_1 0.279, val_2 0.308 (expected.json)",
  );
  assert.ok(
    Math.abs(ranked.items[0]!.miou! - 0.278818) < 1e-5 && Math.abs(ranked.items[1]!.miou! - 0.308323) < 1e-5,
    JSON.stringify(ranked.items.map((i) => i.miou)),
  );
  assert.equal(ranked.items[0]!.classIou[5], null, 'Unlabeled is in neither the truth nor the prediction of val_1');
  assert.equal(ranked.predictionsReady, true);
  const byWater = await api.invoke('samples:hardest', { runId: run.id, classIndex: 4 });
  assert.deepEqual(
    byWater.items.map((i) => i.stem),
    ['val_1', 'val_2'],
  );
});
