import { labelErrorPlanText } from '../../../src-shared/label-errors';
import type { LabelErrorPlan } from '../../../src-shared/label-errors';
import type { RunConfig } from '../../../src-shared/run-config';

/** Seconds a training step and a predicted image took, measured with one config (`timingKey`). */
export interface StepTiming {
  key: string;
  stepSeconds: number;
  imageSeconds: number;
}

/**
 * What a measured step time depends on: the whole config but how long it trains (epochs, steps
 * per epoch). Folds and epochs change the plan's step count, never the time of a step; the input
 * size, the model or the batch change both.
 */
export function timingKey(config: RunConfig): string {
  return JSON.stringify({ ...config, epochs: null, stepsPerEpoch: null });
}

/** The start panel's plan as it stands: the plan query's answer, and whether it answers the inputs as they are now. */
interface PlanAnswer {
  plan: LabelErrorPlan | undefined;
  error: string | null;
  fresh: boolean;
}

/**
 * The plan line: "estimating…" while the plan of the current inputs is on its way (never the
 * previous inputs' plan), main's refusal, or the plan, with the minutes only from a time measured
 * with these very inputs (`timing.key`, null when the time is not measured here: a run's config or
 * checkpoint). A time asked for but measured with other inputs reads "estimating the time…"
 * until the new one arrives.
 */
export function labelErrorPlanLine(
  answer: PlanAnswer,
  timing: { key: string | null; measured: StepTiming | null; wanted: boolean },
): { text: string; warning: boolean } {
  if (!answer.fresh) return { text: 'estimating…', warning: false };
  if (answer.error) return { text: answer.error, warning: true };
  if (!answer.plan) return { text: '', warning: false };
  const current = timing.key !== null && timing.measured?.key === timing.key ? timing.measured : undefined;
  if (current || timing.key === null || !timing.wanted) return { text: labelErrorPlanText(answer.plan, current), warning: false };
  // The plan without a time ends its sentence with a full stop; the time being measured takes its place.
  return { text: labelErrorPlanText(answer.plan).replace(/\.$/, ': estimating the time…'), warning: false };
}
