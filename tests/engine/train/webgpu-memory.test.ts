import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createModel } from '../../../src-main/engine/models/registry';
import { checkWebgpuLimits, gpuOutOfMemoryError, largestLayerBytes } from '../../../src-main/engine/train/memory';
import { wasmReady } from '../../helpers/tf';

before(wasmReady);

test('a batch whose largest layer cannot be one WebGPU buffer is refused before the run, with the largest batch that fits', () => {
  const model = createModel('unet', { classes: 6, inputChannels: 3, inputSize: 256, depth: 4, width: 16 });
  // The widest full-resolution output: 256 x 256 x 32 channels (the skip concatenation) x 4 bytes = 8 MiB per image.
  assert.equal(largestLayerBytes(model, 1), 256 * 256 * 32 * 4);
  assert.doesNotThrow(() => checkWebgpuLimits(model, 16, 256, 128 * 2 ** 20));
  assert.throws(() => checkWebgpuLimits(model, 32, 256, 128 * 2 ** 20), {
    code: 'VALIDATION',
    message:
      "Batch 32 at 256x256 needs a 256 MiB buffer for its largest layer; this GPU's WebGPU limit (maxStorageBufferBindingSize) is 128 MiB. The largest batch that fits is 16.",
  });
  const oom = gpuOutOfMemoryError(model, 32, 256, 2 * 2 ** 30, 'The GPU ran out of memory (Out of memory)');
  assert.equal(oom.code, 'ENGINE');
  assert.match(
    oom.message,
    /^Batch 32 at 256x256 does not fit in GPU memory: The GPU ran out of memory \(Out of memory\)\. The step needs about \d+ MiB; 2048 MiB was allocated when it failed\. The largest batch that fits is about \d+\. The run keeps its last checkpoint\.$/,
  );
  const fits = Number(/about (\d+)\. The run/.exec(oom.message)![1]);
  assert.ok(fits >= 1 && fits < 32, `${fits}`);
  model.dispose();
});
