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
  assert.equal(
    explainLoadFailure('@tensorflow/tfjs-node-gpu', absent),
    '@tensorflow/tfjs-node-gpu is not installed (its install downloads TensorFlow; it is an optional dependency).',
  );
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

test('the automatic order with fakes: CUDA, then WebGPU on a hardware adapter, then native CPU, then wasm; one line per backend passed over', async () => {
  const { chooseBackend } = await import('../../../src-main/engine/backend/select');
  const { acceptAdapter, describeAdapter } = await import('../../../src-main/engine/backend/webgpu');
  const limits = {
    maxBufferSize: 2 ** 32,
    maxStorageBufferBindingSize: 2 ** 31,
    maxComputeWorkgroupStorageSize: 32768,
    maxComputeInvocationsPerWorkgroup: 1024,
  };
  const rtx = describeAdapter({ info: { vendor: 'nvidia', architecture: 'blackwell', description: 'NVIDIA GeForce RTX 5080' }, limits, features: new Set() });
  const swiftshader = describeAdapter({
    info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' },
    limits,
    features: new Set(),
  });
  const llvmpipe = describeAdapter({
    info: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
    limits,
    features: new Set(),
  });
  const tiny = describeAdapter({
    info: { vendor: 'intel', description: 'old iGPU' },
    limits: { ...limits, maxStorageBufferBindingSize: 2 ** 20 },
    features: new Set(),
  });
  assert.equal(rtx.software, false);
  assert.equal(swiftshader.software, true);
  assert.equal(llvmpipe.software, true);

  const calls: string[] = [];
  const fail = (name: string, message: string) => async () => {
    calls.push(name);
    throw new Error(message);
  };
  const ok = (name: string) => async () => {
    calls.push(name);
    return { device: name };
  };
  const gpu = (adapter: typeof rtx) => async (forced: boolean) => {
    calls.push('webgpu');
    acceptAdapter(adapter, forced);
    return { device: adapter.description, adapter };
  };
  const cuda12 = Object.assign(new Error('libcudart.so.11.0: cannot open shared object file'), {});

  // 1. CUDA loads: nothing else is tried.
  calls.length = 0;
  let report = await chooseBackend('auto', { 'tfjs-node-gpu': ok('cuda'), webgpu: gpu(rtx), 'tfjs-node': ok('node'), wasm: ok('wasm') });
  assert.deepEqual([report.backend, report.notes, calls], ['tfjs-node-gpu', [], ['cuda']]);

  // 2. CUDA 12 only, an RTX 5080: WebGPU, with the CUDA line.
  calls.length = 0;
  report = await chooseBackend('auto', {
    'tfjs-node-gpu': async () => {
      throw cuda12;
    },
    webgpu: gpu(rtx),
    'tfjs-node': ok('node'),
    wasm: ok('wasm'),
  });
  assert.equal(report.backend, 'webgpu');
  assert.equal(report.adapter?.description, 'NVIDIA GeForce RTX 5080');
  assert.equal(report.notes.length, 1);
  assert.match(report.notes[0]!, /libcudart\.so\.11\.0 was not found\. It needs CUDA 11\.2/);

  // 3. No GPU, only SwiftShader: never chosen automatically; native CPU next.
  calls.length = 0;
  report = await chooseBackend('auto', { 'tfjs-node-gpu': fail('cuda', 'nope'), webgpu: gpu(swiftshader), 'tfjs-node': ok('node'), wasm: ok('wasm') });
  assert.equal(report.backend, 'tfjs-node');
  assert.deepEqual(calls, ['cuda', 'webgpu', 'node']);
  assert.match(
    report.notes[1]!,
    /^WebGPU: the only adapter is SwiftShader driver 5\.0\.0, a software adapter that runs on the CPU; it is never chosen automatically/,
  );

  // 4. llvmpipe and no native packages: wasm, with three lines.
  report = await chooseBackend('auto', { 'tfjs-node-gpu': fail('cuda', 'x'), webgpu: gpu(llvmpipe), 'tfjs-node': fail('node', 'y'), wasm: ok('wasm') });
  assert.equal(report.backend, 'wasm');
  assert.equal(report.notes.length, 3);

  // 5. An adapter short of a limit is named with the limit and both values.
  report = await chooseBackend('auto', { 'tfjs-node-gpu': fail('cuda', 'x'), webgpu: gpu(tiny), 'tfjs-node': ok('node'), wasm: ok('wasm') });
  assert.match(report.notes[1]!, /falls short: maxStorageBufferBindingSize is 1048576, training needs at least 67108864/);

  // 6. Forced WebGPU takes the software adapter; forced and failing names the reason.
  report = await chooseBackend('webgpu', { 'tfjs-node-gpu': fail('cuda', 'x'), webgpu: gpu(swiftshader), 'tfjs-node': ok('node'), wasm: ok('wasm') });
  assert.equal(report.backend, 'webgpu');
  await assert.rejects(
    chooseBackend('auto', {
      'tfjs-node-gpu': fail('cuda', 'x'),
      webgpu: fail('webgpu', 'WebGPU: no adapter.'),
      'tfjs-node': fail('node', 'y'),
      wasm: fail('wasm', 'z'),
    }),
    { code: 'ENGINE', message: /^No training backend could start\. .*WebGPU: no adapter\. .*wasm failed to start: z$/ },
  );
});

test('a missing Vulkan loader or package is explained with what to install', async () => {
  const { explainDawnFailure } = await import('../../../src-main/engine/backend/webgpu');
  assert.equal(
    explainDawnFailure(new Error('libvulkan.so.1: cannot open shared object file: No such file or directory')),
    'WebGPU: Dawn needs libvulkan.so.1, the Vulkan loader (Debian and Ubuntu: apt install libvulkan1), and a GPU driver with Vulkan support.',
  );
  assert.equal(explainDawnFailure(new Error("Cannot find module 'webgpu'")), 'WebGPU: the webgpu package (Dawn) is not installed; run npm install.');
});

test('without the Vulkan loader, WebGPU is skipped with one line in words before Dawn is created (issue 32, problem 9)', async () => {
  const { vulkanLoaderProblem, probeAdapter } = await import('../../../src-main/engine/backend/webgpu');
  const absent = (): void => {
    throw new Error('libvulkan.so.1: cannot open shared object file: No such file or directory');
  };
  const line =
    'WebGPU: no Vulkan driver on this machine (libvulkan.so.1 not found); skipped. It needs the Vulkan loader (Debian and Ubuntu: apt install libvulkan1) and a GPU driver with Vulkan support.';
  assert.equal(vulkanLoaderProblem('linux', absent), line);
  const broken = (): void => {
    throw new Error('/lib/x86_64-linux-gnu/libvulkan.so.1: invalid ELF header');
  };
  assert.match(vulkanLoaderProblem('linux', broken)!, /\(libvulkan\.so\.1 did not load: invalid ELF header\); skipped/);
  assert.equal(
    vulkanLoaderProblem('linux', () => undefined),
    null,
  );
  assert.equal(vulkanLoaderProblem('win32', absent), null, 'Dawn uses D3D12 or Metal off Linux');
  // The check is asked first: Dawn, which would print its own warning with a line of C++ source, is never created.
  await assert.rejects(
    probeAdapter(() => line),
    { message: line },
  );
  // And the automatic choice carries that one line and moves on.
  const { chooseBackend } = await import('../../../src-main/engine/backend/select');
  const fail = (message: string) => async () => {
    throw new Error(message);
  };
  const report = await chooseBackend('auto', {
    'tfjs-node-gpu': fail("Cannot find module '@tensorflow/tfjs-node-gpu'"),
    webgpu: async () => ({ device: '', adapter: await probeAdapter(() => line) }),
    'tfjs-node': async () => ({ device: 'CPU (native TensorFlow)' }),
    wasm: fail('unused'),
  });
  assert.equal(report.backend, 'tfjs-node');
  assert.deepEqual(report.notes.slice(1), [line]);
});
