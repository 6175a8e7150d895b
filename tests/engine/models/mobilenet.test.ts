import assert from 'node:assert/strict';
import { test, before } from 'node:test';
import { timmEfficientnetKey as timmEfficientnetName } from '../../../src-shared/efficientnet-keys';

const timmEfficientnetB0Key = (key: string) => timmEfficientnetName('efficientnet-b0', key);
import { timmMobilenetV2Key } from '../../../src-shared/mobilenet-keys';
import { loadEncoderWeights } from '../../../src-main/engine/models/encoders';
import { createModel } from '../../../src-main/engine/models/registry';
import { parseSafetensors } from '../../../src-main/engine/models/safetensors';
import { importWeights } from '../../../src-main/weights/import-weights';
import { WeightsCache } from '../../../src-main/weights/weights-cache';
import { encodeSafetensors, floatBytes } from '../../helpers/safetensors';
import { seededValues } from '../../helpers/seeded-weights';
import { tempDir } from '../../helpers/services';
import { timmEfficientnetKey, timmMobilenetKey as timmKeyOf, torchvisionKeys } from '../../helpers/timm-weights';
import { wasmReady } from '../../helpers/tf';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * MobileNetV2's weights in timm's layout (mobilenetv2_100: conv_stem, blocks.S.B.*, conv_head)
 * land where torchvision's (features.N.*) do. The whole SMP U-Net on mobilenet_v2 is checked
 * against PyTorch in smp-unet.test.ts; this checks the renaming against a second copy written the
 * other way round (torchvision to timm) from timm's block list (tests/helpers/timm-weights.ts).
 */

before(wasmReady);

function stateDict(rename: (key: string) => string) {
  return torchvisionKeys('mobilenet_v2').map(([key, shape, dtype]) =>
    dtype === 'I64'
      ? { name: rename(key), dtype, shape, bytes: new Uint8Array(8) }
      : { name: rename(key), dtype: 'F32', shape, bytes: floatBytes(seededValues(30, `encoder.${key}`, shape), 'F32') },
  );
}

test("timm's MobileNetV2 names map onto torchvision's, and nothing else does", () => {
  assert.equal(timmMobilenetV2Key('conv_stem.weight'), 'features.0.0.weight');
  assert.equal(timmMobilenetV2Key('blocks.0.0.conv_dw.weight'), 'features.1.conv.0.0.weight');
  assert.equal(timmMobilenetV2Key('blocks.0.0.bn2.running_var'), 'features.1.conv.2.running_var');
  assert.equal(timmMobilenetV2Key('blocks.1.0.conv_pwl.weight'), 'features.2.conv.2.weight');
  assert.equal(timmMobilenetV2Key('blocks.3.3.bn2.bias'), 'features.10.conv.1.1.bias');
  assert.equal(timmMobilenetV2Key('blocks.6.0.bn3.running_mean'), 'features.17.conv.3.running_mean');
  assert.equal(timmMobilenetV2Key('conv_head.weight'), 'features.18.0.weight');
  assert.equal(timmMobilenetV2Key('bn2.weight'), 'features.18.1.weight');
  assert.equal(timmMobilenetV2Key('classifier.bias'), 'classifier.1.bias');
  assert.equal(timmMobilenetV2Key('features.5.conv.1.0.weight'), 'features.5.conv.1.0.weight', "torchvision's own keys pass");
  for (const stray of ['blocks.7.0.conv_pw.weight', 'blocks.0.1.conv_dw.weight', 'blocks.2.0.se.conv_reduce.weight', 'head.fc.weight', 'conv1.weight'])
    assert.equal(timmMobilenetV2Key(stray), null, stray);
  // Every torchvision key, written the timm way by this test's own rule, comes back.
  for (const [key] of torchvisionKeys('mobilenet_v2')) assert.equal(timmMobilenetV2Key(timmKeyOf(key)), key, key);
});

test('a timm-layout file loads into the encoder exactly as the torchvision-layout file does', () => {
  const spec = { classes: 3, inputChannels: 3, inputSize: 32, encoder: 'mobilenet_v2' as const };
  const fromTorchvision = createModel('unet', spec, 1);
  const fromTimm = createModel('unet', spec, 2);
  const tv = loadEncoderWeights(fromTorchvision, parseSafetensors(encodeSafetensors(stateDict((k) => k)), 'tv'), 'tv', 'mobilenet_v2');
  const withHead = [
    ...stateDict(timmKeyOf),
    { name: 'classifier.weight', dtype: 'F32', shape: [1000, 1280], bytes: new Uint8Array(1000 * 1280 * 4) },
    { name: 'classifier.bias', dtype: 'F32', shape: [1000], bytes: new Uint8Array(4000) },
  ];
  const timm = loadEncoderWeights(fromTimm, parseSafetensors(encodeSafetensors(withHead), 'timm'), 'timm', 'mobilenet_v2');
  assert.equal(tv.loaded, timm.loaded);
  assert.equal(tv.loaded, torchvisionKeys('mobilenet_v2').filter(([, , d]) => d === 'F32').length);
  assert.deepEqual(
    timm.ignored.filter((k) => k.startsWith('classifier')),
    ['classifier.weight', 'classifier.bias'],
  );
  const encoderLayers = fromTorchvision.layers.filter((l) => l.name.startsWith('encoder.') && l.weights.length > 0);
  assert.equal(encoderLayers.length, 104, '52 convolutions and 52 batch norms');
  for (const layer of encoderLayers) {
    const a = layer.getWeights();
    const b = fromTimm.getLayer(layer.name).getWeights();
    a.forEach((w, i) => assert.deepEqual(w.dataSync(), b[i]!.dataSync(), `${layer.name} weight ${i}`));
  }
  // A depthwise kernel [C, 1, 3, 3] sits as tfjs's [3, 3, C, 1]: element (c=5, h=2, w=1).
  const depthwise = fromTimm.getLayer('encoder.features.2.conv.1.0').getWeights()[0]!;
  assert.deepEqual(depthwise.shape, [3, 3, 96, 1]);
  const torchValues = seededValues(30, 'encoder.features.2.conv.1.0.weight', [96, 1, 3, 3]);
  assert.equal(depthwise.dataSync()[(2 * 3 + 1) * 96 + 5], torchValues[(5 * 3 + 2) * 3 + 1]);
  fromTorchvision.dispose();
  fromTimm.dispose();
});

test("weights import takes timm's mobilenetv2_100 file, finds its architecture from the tensors, and names the default tag", async () => {
  const path = join(tempDir(), 'model.safetensors');
  writeFileSync(path, encodeSafetensors(stateDict(timmKeyOf)));
  const cache = new WeightsCache(tempDir());
  const found = await importWeights(cache, path);
  assert.equal(found.weights.architecture, 'mobilenet_v2');
  const tagged = await importWeights(new WeightsCache(tempDir()), path, { name: 'mobilenet_v2' });
  assert.equal(tagged.weights.architecture, 'mobilenet_v2');
  const named = await importWeights(new WeightsCache(tempDir()), path, { name: 'mobilenetv2_100.ra_in1k' });
  assert.deepEqual([named.weights.name, named.weights.repo], ['mobilenetv2_100.ra_in1k', 'timm/mobilenetv2_100.ra_in1k']);
  await assert.rejects(importWeights(new WeightsCache(tempDir()), path, { name: 'resnet18' }), {
    code: 'VALIDATION',
    message: /does not hold resnet18's weights .* It holds mobilenet_v2's weights: import it as mobilenet_v2\.$/,
  });
});

test("timm's efficientnet_b0 names map onto torchvision's both ways, and a timm-layout file loads as the torchvision one does", () => {
  assert.equal(timmEfficientnetB0Key('conv_stem.weight'), 'features.0.0.weight');
  assert.equal(timmEfficientnetB0Key('blocks.0.0.se.conv_reduce.bias'), 'features.1.0.block.1.fc1.bias');
  assert.equal(timmEfficientnetB0Key('blocks.5.3.conv_pwl.weight'), 'features.6.3.block.3.0.weight');
  assert.equal(timmEfficientnetB0Key('blocks.2.1.se.conv_expand.weight'), 'features.3.1.block.2.fc2.weight');
  assert.equal(timmEfficientnetB0Key('conv_head.weight'), 'features.8.0.weight');
  for (const stray of ['blocks.6.1.conv_pw.weight', 'blocks.0.0.conv_pwl.weight', 'blocks.1.0.se.fc.weight'])
    assert.equal(timmEfficientnetB0Key(stray), null, stray);
  for (const variant of ['efficientnet-b0', 'efficientnet-b1', 'efficientnet-b2', 'efficientnet-b3'] as const) {
    for (const [key] of torchvisionKeys(variant)) assert.equal(timmEfficientnetName(variant, timmEfficientnetKey(key)), key, `${variant} ${key}`);
  }
  // B3 has 5 blocks in stage 5 where B0 has 4: blocks.5.4 exists in B3 only.
  assert.equal(timmEfficientnetName('efficientnet-b3', 'blocks.5.4.conv_pw.weight'), 'features.6.4.block.0.0.weight');
  assert.equal(timmEfficientnetB0Key('blocks.5.4.conv_pw.weight'), null);

  const spec = { classes: 3, inputChannels: 3, inputSize: 32, encoder: 'efficientnet-b0' as const };
  const dict = (rename: (key: string) => string) =>
    torchvisionKeys('efficientnet-b0').map(([key, shape, dtype]) =>
      dtype === 'I64'
        ? { name: rename(key), dtype, shape, bytes: new Uint8Array(8) }
        : { name: rename(key), dtype: 'F32', shape, bytes: floatBytes(seededValues(30, `encoder.${key}`, shape), 'F32') },
    );
  const fromTorchvision = createModel('unet', spec, 1);
  const fromTimm = createModel('unet', spec, 2);
  const tv = loadEncoderWeights(fromTorchvision, parseSafetensors(encodeSafetensors(dict((k) => k)), 'tv'), 'tv', 'efficientnet-b0');
  const timm = loadEncoderWeights(fromTimm, parseSafetensors(encodeSafetensors(dict(timmEfficientnetKey)), 'timm'), 'timm', 'efficientnet-b0');
  assert.equal(tv.loaded, timm.loaded);
  assert.deepEqual(
    timm.ignored.filter((k) => !k.endsWith('num_batches_tracked')),
    ['conv_head.weight', 'bn2.weight', 'bn2.bias', 'bn2.running_mean', 'bn2.running_var'],
    'the unused head',
  );
  for (const layer of fromTorchvision.layers.filter((l) => l.name.startsWith('encoder.') && l.weights.length > 0)) {
    const b = fromTimm.getLayer(layer.name).getWeights();
    layer.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), b[i]!.dataSync(), `${layer.name} weight ${i}`));
  }
  fromTorchvision.dispose();
  fromTimm.dispose();
});
