import * as tf from '@tensorflow/tfjs-core';
import type { EngineData } from '../../src-shared/engine-protocol';
import type { JobContext } from '../../src-main/engine/job-context';

/** A job context that is never cancelled and drops progress, logs and data (override what a test reads). */
export function silentContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => {}, log: () => {}, emit: () => {} };
}

/**
 * A training job's context that records: the live tensor count after each step, every data
 * message, and (with `abortAfterSteps`) a stop request once that many steps are done.
 */
export function trainRecorder(abortAfterSteps?: number): { context: JobContext; tensorsAtStep: number[]; data: EngineData[] } {
  const controller = new AbortController();
  const tensorsAtStep: number[] = [];
  const data: EngineData[] = [];
  const context: JobContext = {
    signal: controller.signal,
    progress: (_done, _total, message) => {
      if (message.includes(', step ')) tensorsAtStep.push(tf.memory().numTensors);
      if (abortAfterSteps !== undefined && tensorsAtStep.length >= abortAfterSteps) controller.abort();
    },
    log: () => {},
    emit: (d) => data.push(d),
  };
  return { context, tensorsAtStep, data };
}
