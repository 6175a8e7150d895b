import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../../../src-shared/errors';
import { importWeights } from '../../../src-main/weights/import-weights';
import { WeightsCache } from '../../../src-main/weights/weights-cache';
import { encodeSafetensors } from '../../helpers/safetensors';
import { tempDir } from '../../helpers/services';
import { timmResnetFile, torchvisionKeys } from '../../helpers/timm-weights';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function cacheFiles(cache: WeightsCache): string[] {
  if (!existsSync(cache.root)) return [];
  return readdirSync(cache.root, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(cache.root, name)).isFile())
    .sort();
}

function fileWith(bytes: Uint8Array, name = 'model.safetensors'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, bytes);
  return path;
}

function refusal(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, 'VALIDATION');
    assert.match(error.message, pattern);
    return true;
  };
}

test('a good file is found to be resnet18 from its tensors, copied under its sha256, and listed', async () => {
  const bytes = timmResnetFile('resnet18', { dtype: 'F16' });
  const source = fileWith(bytes);
  const cache = new WeightsCache(tempDir());
  const result = await importWeights(cache, source);
  assert.equal(result.alreadyCached, false);
  assert.equal(result.weights.name, 'resnet18');
  assert.equal(result.weights.architecture, 'resnet18');
  assert.equal(result.weights.repo, null, 'the tag cannot be told from the tensors');
  assert.equal(result.weights.source, 'import');
  assert.equal(result.weights.from, source);
  assert.equal(result.weights.sha256, sha(bytes));
  assert.ok(Buffer.from(readFileSync(result.weights.path)).equals(Buffer.from(bytes)));
  assert.deepEqual(cacheFiles(cache), [`resnet18/${sha(bytes)}.json`, `resnet18/${sha(bytes)}.safetensors`]);

  // The same bytes again, under a tagged name: one entry, the first record kept.
  const again = await importWeights(cache, fileWith(bytes, 'copy.safetensors'), { name: 'resnet18.tv_in1k' });
  assert.equal(again.alreadyCached, true);
  assert.equal(again.weights.path, result.weights.path);
  assert.equal(cacheFiles(cache).length, 2, 'no temporary copy left');
});

test('a tagged name records the repository it stands for; timm files without the classifier and in BF16 import too', async () => {
  const cache = new WeightsCache(tempDir());
  const result = await importWeights(cache, fileWith(timmResnetFile('resnet50', { dtype: 'BF16', noClassifier: true })), { name: 'resnet50.tv2_in1k' });
  assert.equal(result.weights.name, 'resnet50.tv2_in1k');
  assert.equal(result.weights.repo, 'timm/resnet50.tv2_in1k');
  assert.deepEqual(
    (await cache.list()).weights.map((w) => [w.name, w.architecture]),
    [['resnet50.tv2_in1k', 'resnet50']],
  );
});

test('files that are not safetensors are refused, a PyTorch pickle by name, and nothing is left in the cache', async () => {
  const cache = new WeightsCache(tempDir());
  const text = fileWith(new TextEncoder().encode('this is a text file, not weights\n'), 'notes.safetensors');
  await assert.rejects(
    importWeights(cache, text),
    refusal(/notes\.safetensors is not a readable safetensors file: its header length says \d+ bytes, but only 25 follow/),
  );
  // A zip as torch.save writes it (PK\x03\x04...), named .pth.
  const pickle = fileWith(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'resnet34-b627a593.pth');
  await assert.rejects(
    importWeights(cache, pickle),
    refusal(/looks like a PyTorch pickle \(\.pth\), which SegBench does not read.*safetensors\.torch\.save_file/),
  );
  await assert.rejects(importWeights(cache, join(tempDir(), 'missing.safetensors')), refusal(/Cannot open .*missing\.safetensors/));
  assert.deepEqual(cacheFiles(cache), []);
});

test('a safetensors file with the wrong keys is refused, saying what was expected', async () => {
  const cache = new WeightsCache(tempDir());
  // resnet34's tensors imported as resnet18: blocks resnet18 lacks, and what the file is instead.
  await assert.rejects(
    importWeights(cache, fileWith(timmResnetFile('resnet34', { dtype: 'F16' })), { name: 'resnet18' }),
    refusal(
      /does not hold resnet18's weights as timm and torchvision name them \(100 of resnet18's 100 tensors are there with their shapes\): not in resnet18: layer1\.2\.conv1\.weight, .* and 91 more\. Expected: .* It holds resnet34's weights: import it as resnet34\.$/,
    ),
  );
  // segmentation_models_pytorch's prefix: the expected keys named, and the prefix explained.
  await assert.rejects(
    importWeights(cache, fileWith(timmResnetFile('resnet18', { dtype: 'F16', prefix: 'encoder.' })), { name: 'resnet18' }),
    refusal(
      /\(0 of resnet18's 100 tensors are there with their shapes\): missing conv1\.weight, bn1\.weight, .*not in resnet18: encoder\.conv1\.weight.*Expected: conv1\.weight \[64, 3, 7, 7\], bn1\.\*, then layer1\.\.layer4 of 2, 2, 2, 2 basic blocks.* Its keys begin with "encoder\."; without it they are resnet18's/,
    ),
  );
  // Without a name, a DataParallel prefix: found to be resnet50 once the prefix is set aside.
  await assert.rejects(
    importWeights(cache, fileWith(timmResnetFile('resnet50', { dtype: 'F16', prefix: 'module.' }))),
    refusal(/does not hold resnet50's weights .* 3, 4, 6, 3 bottleneck blocks .* Its keys begin with "module\."; without it they are resnet50's/),
  );
  // A small unrelated file, no name: no architecture fits, and --name is suggested.
  const small = encodeSafetensors([{ name: 'weight', dtype: 'F32', shape: [2, 2], bytes: new Uint8Array(16) }]);
  await assert.rejects(importWeights(cache, fileWith(small)), refusal(/not in resnet18: weight\. .*pass --name to say which one the file should be\.$/));
  assert.deepEqual(cacheFiles(cache), []);
});

test('a first convolution of another shape is named with both shapes', async () => {
  const cache = new WeightsCache(tempDir());
  const tensors = torchvisionKeys('resnet18').map(([name, torchShape, dtype]) => {
    const shape = name === 'conv1.weight' ? [64, 4, 7, 7] : torchShape;
    const type = dtype === 'I64' ? 'I64' : 'F16';
    return { name, dtype: type, shape, bytes: new Uint8Array(shape.reduce((a, b) => a * b, 1) * (type === 'I64' ? 8 : 2)) };
  });
  await assert.rejects(
    importWeights(cache, fileWith(encodeSafetensors(tensors)), { name: 'resnet18' }),
    refusal(/shapes differ: conv1\.weight is \[64, 4, 7, 7\], resnet18 has \[64, 3, 7, 7\]/),
  );
  assert.deepEqual(cacheFiles(cache), []);
});
