import { formatDuration } from '../../../../src-shared/jobs';
import { runConfigSchema } from '../../../../src-shared/run-config';
import type { EstimateResult } from '../../../../src-shared/training';
import { validationImagesPerEpoch } from '../../../../src-shared/validation-plan';
import type { LaunchFormValues as Form } from '../launch-form-fields';

/** The estimate in words: a step, an epoch, a full validation pass, and training and validation over the whole run as validateEvery and the subset plan it. */
export function estimateText(estimate: EstimateResult, form: Form): string {
  if (!estimate.fits) {
    return `About ${estimate.stepMiB} MiB per step: too much for the ${estimate.backend} backend. ${estimate.largestBatch ? `The largest batch that fits is ${estimate.largestBatch}.` : 'Use a smaller input size.'}`;
  }
  const config = runConfigSchema.safeParse({ ...form, datasetId: form.datasetId || '-' });
  const plan = config.success ? validationImagesPerEpoch(config.data, estimate.validationImages) : [];
  const perImage = estimate.validationImages > 0 ? estimate.validationSeconds / estimate.validationImages : 0;
  const validationTotal = plan.reduce((sum, images) => sum + images * perImage, 0);
  const trainingTotal = estimate.trainSecondsPerEpoch * plan.length;
  return (
    `About ${estimate.stepMiB} MiB per step on ${estimate.backend}; ${estimate.stepSeconds.toFixed(2)} s per step, so about ${formatDuration(estimate.trainSecondsPerEpoch)} per epoch of ${estimate.stepsPerEpoch} steps. ` +
    `A full validation of ${estimate.validationImages} images takes about ${formatDuration(estimate.validationSeconds)}. ` +
    `Over ${plan.length} epochs: about ${formatDuration(trainingTotal)} of training and ${formatDuration(validationTotal)} of validation (${plan.filter((n) => n > 0).length} validations).`
  );
}
