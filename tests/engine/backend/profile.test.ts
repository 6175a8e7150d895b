import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deviceLine, profileOf } from '../../../src-main/engine/backend/profile';
import { cpuThreads, trainingThreads, validationThreads } from '../../../src-main/engine/workers/threads';

test('issue 28: one profile per backend, by SegBench’s name or tfjs’s; an unknown backend gets the cautious one', () => {
  assert.equal(profileOf('tfjs-node-gpu'), profileOf('tensorflow'));
  assert.equal(profileOf('tfjs-node'), profileOf('tensorflow'));
  assert.deepEqual(
    ['wasm', 'webgpu', 'tfjs-node-gpu', 'cpu'].map((b) => profileOf(b).memoryLimit),
    ['wasm-heap', 'buffer-binding', 'none', 'none'],
  );
  assert.deepEqual(
    ['wasm', 'webgpu', 'tensorflow'].map((b) => profileOf(b).nativeConvGradients),
    [false, true, true],
  );
  const unknown = profileOf('webgl');
  assert.equal(unknown.name, 'webgl');
  assert.deepEqual([unknown.computeWorkers, unknown.inferenceOnOrt, unknown.nativeResizeGradient], [false, false, false]);
});

test('issue 28: threads follow the profile: compute workers on wasm only, ONNX Runtime’s threads whatever the backend', () => {
  const env = { SEGBENCH_TRAIN_THREADS: '3' };
  assert.deepEqual([trainingThreads(8, 'wasm', env), trainingThreads(8, 'webgpu', env), trainingThreads(8, 'tfjs-node', env)], [3, 1, 1]);
  assert.deepEqual([validationThreads('wasm', env), validationThreads('webgpu', env)], [3, 1]);
  assert.equal(cpuThreads(env), 3);
  assert.equal(cpuThreads({ SEGBENCH_TRAIN_THREADS: '9' }), 4, 'at most 4');
});

test('issue 28: the device line a run states, per profile', () => {
  assert.equal(deviceLine(profileOf('wasm'), 'CPU (WebAssembly, SIMD)', 1), 'CPU (WebAssembly, SIMD), 1 thread');
  assert.equal(deviceLine(profileOf('wasm'), 'CPU (WebAssembly, SIMD)', 2), 'CPU (WebAssembly, SIMD), 2 threads (the batch split over compute workers)');
  assert.equal(deviceLine(profileOf('webgpu'), 'NVIDIA H200', 2), 'NVIDIA H200; the whole batch runs on the GPU (compute workers are a CPU feature)');
  assert.equal(deviceLine(profileOf('tfjs-node-gpu'), 'CUDA: NVIDIA H200', 2), 'CUDA: NVIDIA H200');
});

/** Engine files, without the ones that name backends by their job: choosing one (select), its own table (profile), its own kernels. */
function engineSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? engineSources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('issue 28: no engine code branches on a backend’s name; it asks the profile', () => {
  const exempt = new Set(['select.ts', 'profile.ts', 'webgpu.ts', 'wasm-kernels.ts', 'webgpu-kernels.ts']);
  const branches = engineSources('src-main/engine')
    .filter((file) => !exempt.has(file.split('/').at(-1)!))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ file, line: i + 1, text: line }))
        // 'onnxruntime' is not a tfjs backend: an inference job's runtime label.
        .filter(({ text }) => !text.includes("'onnxruntime'"))
        .filter(({ text }) => /(getBackend\(\)|\bbackend(\.backend)?)\s*[!=]==\s*'|'\s*[!=]==\s*(tf\.getBackend\(\)|\bbackend\b)/.test(text)),
    );
  assert.deepEqual(
    branches.map((b) => `${b.file}:${b.line}: ${b.text.trim()}`),
    [],
  );
});
