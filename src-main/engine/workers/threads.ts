import { cpus } from 'node:os';
import { profileOf } from '../backend/profile';

/*
 * How many threads a job uses on wasm: the engine's and its compute workers. tfjs runs wasm on one
 * thread under Node, so the workers are how a job uses more cores; other backends have their own
 * threads and run everything on the engine's.
 */

/** Threads asked for by SEGBENCH_TRAIN_THREADS: a whole number from 1, or null (unset or not valid). */
function threadsAsked(env: NodeJS.ProcessEnv): number | null {
  const asked = Number(env.SEGBENCH_TRAIN_THREADS);
  return env.SEGBENCH_TRAIN_THREADS !== undefined && Number.isInteger(asked) && asked >= 1 ? asked : null;
}

/** What is wrong with SEGBENCH_TRAIN_THREADS, when it is set to something that is not a thread count. */
export function threadsSettingProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  const value = env.SEGBENCH_TRAIN_THREADS;
  if (value === undefined || value === '' || threadsAsked(env) !== null) return null;
  return `SEGBENCH_TRAIN_THREADS="${value}" is not a thread count (valid: a whole number from 1; 1 turns the split off); using the cores instead.`;
}

/** Threads for training on wasm: SEGBENCH_TRAIN_THREADS, else the cores; at most 4, and at least 2 images each. */
export function trainingThreads(batchSize: number, backend: string, env: NodeJS.ProcessEnv = process.env): number {
  if (!profileOf(backend).computeWorkers) return 1;
  const wanted = threadsAsked(env) ?? cpus().length;
  return Math.max(1, Math.min(wanted, 4, Math.floor(batchSize / 2)));
}

/** Threads for validation and evaluation on wasm: whole images are the unit, so the batch does not limit them. */
export function validationThreads(backend: string, env: NodeJS.ProcessEnv = process.env): number {
  return profileOf(backend).computeWorkers ? cpuThreads(env) : 1;
}

/** Threads for work on the CPU that the job does not split itself (ONNX Runtime's intra-op threads): SEGBENCH_TRAIN_THREADS, else the cores; at most 4. */
export function cpuThreads(env: NodeJS.ProcessEnv = process.env): number {
  return Math.max(1, Math.min(threadsAsked(env) ?? cpus().length, 4));
}
