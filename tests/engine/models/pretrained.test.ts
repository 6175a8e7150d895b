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
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }),
      );
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
  assert.deepEqual(report.adapted, []);
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
  await assert.rejects(loadPretrainedWeights(model, join(dir, 'x.json')), {
    code: 'VALIDATION',
    message: /has no weightsManifest: it is not a tfjs layers model\.json/,
  });
  await assert.rejects(loadPretrainedWeights(model, join(dir, 'missing.json')), { message: /Cannot read the pretrained model .*missing\.json/ });
  const other = createModel('fpn', { classes: 2, inputChannels: 3, inputSize: 32 });
  const path = await saveModel(other, dir);
  await assert.rejects(loadPretrainedWeights(model, path), {
    message: /Only \d+ of \d+ weights in .* match this model's layers by name and shape; it needs a model of the same architecture/,
  });
  model.dispose();
  other.dispose();
});

test('RGB weights start a 7-band model: the first convolution takes RGB slice c mod 3 for channel c, scaled by 3/7', async () => {
  const source = createModel('unet', { classes: 3, inputChannels: 3, inputSize: 32, depth: 2, width: 4 });
  const path = await saveModel(source, tempDir());
  const target = createModel('unet', { classes: 3, inputChannels: 7, inputSize: 32, depth: 2, width: 4 });
  const report = await loadPretrainedWeights(target, path);
  assert.deepEqual(report.adapted, ['conv_1/kernel']);
  assert.deepEqual(report.skipped, []);
  assert.equal(report.matched, report.total);
  const rgb = source.getLayer('conv_1').getWeights()[0]!; // [3, 3, 3, 4]
  const seven = target.getLayer('conv_1').getWeights()[0]!; // [3, 3, 7, 4]
  assert.deepEqual(seven.shape, [3, 3, 7, 4]);
  const a = rgb.arraySync() as number[][][][];
  const b = seven.arraySync() as number[][][][];
  for (let c = 0; c < 7; c += 1) {
    for (let f = 0; f < 4; f += 1) assert.ok(Math.abs(b[1]![2]![c]![f]! - (a[1]![2]![c % 3]![f]! * 3) / 7) < 1e-6, `channel ${c}, filter ${f}`);
  }
  source.dispose();
  target.dispose();
});
