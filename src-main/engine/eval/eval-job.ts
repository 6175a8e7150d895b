import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import type { JobContext } from '../job-context';
import { validate } from './validate';
import { loadRunModel } from '../model-io/load-model';

/** The `eval` job: a run's checkpoint on a split's full images, by sliding window; counts per class and image. */
export async function runEvalJob(params: JobParams<'eval'>, context: JobContext): Promise<JobResult<'eval'>> {
  const { model, state } = await loadRunModel(params);
  try {
    context.progress(0, params.items.length, `evaluating ${params.items.length} images`);
    let done = 0;
    const result = await validate(
      model,
      params.items,
      new Map(params.labelMap),
      {
        size: params.config.inputSize,
        overlap: params.config.validationOverlap,
        normalization: state.normalization,
        batchSize: params.config.batchSize,
        classes: params.classNames.length,
        signal: context.signal,
      },
      () => context.progress(++done, params.items.length, `evaluated ${done} of ${params.items.length} images`),
    );
    return result;
  } finally {
    model.dispose();
  }
}
