import { configBounds } from '../../../src-shared/config-reference';
import { inputSizeProblem, modelOptionsProblem, runConfigDefaults, runConfigSchema, validInputSizes } from '../../../src-shared/run-config';
import type { RunConfigInput } from '../../../src-shared/run-config';

/**
 * What the launch form shows about its fields, read from the run config schema: ranges in the
 * labels and the inputs' limits (`configBounds`), the fallbacks of fields a preset leaves out
 * (`runConfigDefaults`), and the issues of a config as it is typed. Nothing here repeats a value
 * the schema holds.
 */
export type LaunchFormValues = Omit<RunConfigInput, 'datasetId'> & { datasetId: string };

/** A bound as a person reads it: 1e-6 rather than 0.000001. */
const boundText = (n: number): string => (n !== 0 && Math.abs(n) < 1e-3 ? n.toExponential() : String(n));

/** A field's label with the schema's range of `path`: 'Batch (1 to 64)'. */
export function rangeLabel(label: string, path: string): string {
  const { min, max } = configBounds(path);
  return `${label} (${boundText(min)} to ${boundText(max)})`;
}

/** The model and U-Net depth the form holds, the schema's defaults for what is unset or still being typed. */
function modelOf(form: Pick<LaunchFormValues, 'model' | 'modelOptions'>) {
  const depth = form.modelOptions?.depth;
  return { model: form.model ?? runConfigDefaults.model, options: { depth: Number.isInteger(depth) ? depth : undefined, encoder: form.modelOptions?.encoder } };
}

/** The input size's limits for the form's model: the schema's range rounded in to the stride, and the stride as the step. */
export function inputSizeLimits(form: Pick<LaunchFormValues, 'model' | 'modelOptions'>): { min: number; max: number; step: number } {
  const { model, options } = modelOf(form);
  return validInputSizes(model, options);
}

export function inputSizeLabel(form: Pick<LaunchFormValues, 'model' | 'modelOptions'>): string {
  const { min, max, step } = inputSizeLimits(form);
  return `Input size (${min} to ${max}, a multiple of ${step})`;
}

/**
 * Issues by field path ("optimizer.lr"), in the schema's own words with the valid range; the input
 * size by `inputSizeProblem`, the rule the launcher and the engine apply (range and stride).
 */
export function fieldIssues(form: LaunchFormValues): Map<string, string> {
  const parsed = runConfigSchema.safeParse(form);
  const issues = new Map<string, string>();
  if (!parsed.success) for (const issue of parsed.error.issues) issues.set(issue.path.join('.'), issue.message);
  const { model, options } = modelOf(form);
  const modelProblem = modelOptionsProblem(model, { ...options, width: form.modelOptions?.width }, form);
  if (modelProblem) issues.set('modelOptions.encoder', modelProblem);
  if (typeof form.inputSize === 'number' && !Number.isNaN(form.inputSize)) {
    const size = inputSizeProblem(model, form.inputSize, options);
    if (size) issues.set('inputSize', size);
  }
  return issues;
}
