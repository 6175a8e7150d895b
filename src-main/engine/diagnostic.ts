import type { BackendProbe, JobParams, JobResult } from '../../src-shared/job-kinds';
import { ApiError } from '../../src-shared/errors';
import type { JobContext } from './job-context';
import { pause, throwIfCancelled } from './job-context';

/**
 * Exercises the engine path end to end without tfjs: progress, cancellation, and on request an
 * engine-side error (`failAtStep`) or a blocked event loop (`blockAtStep`, to test the heartbeat).
 */
export async function runDiagnostic(params: JobParams<'diagnostic'>, context: JobContext): Promise<JobResult<'diagnostic'>> {
  context.log('info', `diagnostic: ${params.steps} steps of ${params.stepMs} ms`);
  for (let step = 1; step <= params.steps; step += 1) {
    throwIfCancelled(context.signal);
    if (params.failAtStep === step) {
      throw new ApiError('ENGINE', `Diagnostic failure injected at step ${step} (failAtStep).`);
    }
    if (params.blockAtStep === step) blockForever();
    await pause(params.stepMs, context.signal);
    throwIfCancelled(context.signal);
    context.progress(step, params.steps, `diagnostic step ${step} of ${params.steps}`);
  }
  const backends = params.probeBackends ? await probeAllBackends(context) : undefined;
  return {
    ...(backends ? { backends } : {}),
    steps: params.steps,
    pid: process.pid,
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

/** The GPU check: loads tfjs only when asked, so the plain self-test stays free of it. */
async function probeAllBackends(context: JobContext): Promise<BackendProbe[]> {
  context.progress(0, 1, 'trying each training backend: CUDA, WebGPU, native CPU, wasm');
  const { probeBackends } = await import('./backend/select');
  const probes = await probeBackends();
  context.progress(1, 1, 'backends checked');
  return probes;
}

/** Simulates an engine stuck in a native call: the event loop never turns again. */
function blockForever(): never {
  const shared = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(shared, 0, 0);
}
