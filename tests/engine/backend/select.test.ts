import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainLoadFailure } from '../../../src-main/engine/backend/select';

test('a missing CUDA or cuDNN library is named with the versions tfjs-node-gpu needs', () => {
  const cuda = new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
  assert.equal(
    explainLoadFailure('@tensorflow/tfjs-node-gpu', cuda),
    '@tensorflow/tfjs-node-gpu is installed but libcudart.so.11.0 was not found. It needs CUDA 11.2 (libcudart.so.11.0 and its libraries); install it and put its lib folder on LD_LIBRARY_PATH (PATH on Windows), with an NVIDIA driver 450 or newer. CUDA 12 alone does not work.',
  );
  const cudnn = new Error('Could not load dynamic library libcudnn.so.8');
  assert.match(explainLoadFailure('@tensorflow/tfjs-node-gpu', cudnn), /libcudnn\.so\.8 was not found\. It needs cuDNN 8\.1 \(libcudnn\.so\.8\)/);
  const absent = Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node-gpu'"), { code: 'MODULE_NOT_FOUND' });
  assert.equal(explainLoadFailure('@tensorflow/tfjs-node-gpu', absent), '@tensorflow/tfjs-node-gpu is not installed (its install downloads TensorFlow; it is an optional dependency).');
});

test('nvidia-smi output is read as name, utilisation, memory and temperature; anything else is no GPU', async () => {
  const { parseNvidiaSmi } = await import('../../../src-main/engine/train/resources');
  assert.deepEqual(parseNvidiaSmi('NVIDIA GeForce RTX 4090, 87, 10240, 24564, 71\n'), {
    name: 'NVIDIA GeForce RTX 4090',
    utilization: 87,
    memoryUsedMiB: 10240,
    memoryTotalMiB: 24564,
    temperatureC: 71,
  });
  assert.equal(parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'), null);
  assert.equal(parseNvidiaSmi(''), null);
});
