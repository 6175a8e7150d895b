import type { EngineData } from '../../src-shared/engine-protocol';

/** What a job implementation gets from the engine loop. */
export interface JobContext {
  /** Aborted when main asks the job to stop; jobs check it between units of work. */
  readonly signal: AbortSignal;
  /** `etaSeconds`: the job's own estimate of the time left, when it knows better than the overall pace (training with validation). */
  progress(done: number, total: number, message: string, etaSeconds?: number | null): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Streams job results to main, which stores them. */
  emit(data: EngineData): void;
}

/** Thrown by a job that honoured a stop request. */
export class JobCancelled extends Error {
  constructor() {
    super('Job cancelled');
    this.name = 'JobCancelled';
  }
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new JobCancelled();
}

/** Resolves after `ms`, or early when the job is cancelled, so stops are honoured promptly. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
