import type { JobContext } from '../../src-main/engine/job-context';

/** A job context that is never cancelled and drops progress, logs and data (override what a test reads). */
export function silentContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => {}, log: () => {}, emit: () => {} };
}
