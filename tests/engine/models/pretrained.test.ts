import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { loadPretrainedWeights } from '../../../src-main/engine/models/pretrained';
import { createModel } from '../../../src-main/engine/models/registry';
import { tempDir } from '../../helpers/services';
import { tf, wasmReady } from '../../helpers/tf';

before(wasmReady);

/** Saves a model in the standard tfjs layers format: model.json with a weightsManifest, and a .bin. */
async function saveModel(model: Awaited<ReturnType<typeof createModel>>, dir: string): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(data));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

test('weights from a saved tfjs model start a model of the same architecture; another classifier shape trains from scratch', async () => {
  const source = createModel('unet', { classes: 3, inputChannels: 3, inputSize: 32, depth: 2, width: 4 });
  const path = await saveModel(source, tempDir());
  const target = createModel('unet', { classes: 5, inputChannels: 3, inputSize: 32, depth: 2, width: 4 });
  const report = await loadPretrainedWeights(target, path);
  assert.deepEqual(report.skipped, ['logits/kernel', 'logits/bias']);
  assert.equal(report.matched, report.total - 2);
  const first = (m: typeof source) => Array.from(m.getLayer('conv_1').getWeights()[0]!.dataSync());
  assert.deepEqual(first(target), first(source));
  source.dispose();
  target.dispose();
});

test('a file that is not a tfjs model, or of another architecture, is refused with what is needed', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'x.json'), '{"format":"something else"}');
  const model = createModel('unet', { classes: 2, inputChannels: 3, inputSize: 32, depth: 2, width: 4 });
  await assert.rejects(loadPretrainedWeights(model, join(dir, 'x.json')), { code: 'VALIDATION', message: /has no weightsManifest: it is not a tfjs layers model\.json/ });
  await assert.rejects(loadPretrainedWeights(model, join(dir, 'missing.json')), { message: /Cannot read the pretrained model .*missing\.json/ });
  const other = createModel('fpn', { classes: 2, inputChannels: 3, inputSize: 32 });
  const path = await saveModel(other, dir);
  await assert.rejects(loadPretrainedWeights(model, path), { message: /Only \d+ of \d+ weights in .* match this model's layers by name and shape; it needs a model of the same architecture/ });
  model.dispose();
  other.dispose();
});
