import { classCountsSchema } from './metrics';
import { labelMapSchema, modelRefSchema, trainItemSchema } from './training';
import { z } from './zod';

/**
 * Evaluation jobs: runs' checkpoints on a split's full images, each plain and with test-time
 * augmentation (flips and scales, probabilities averaged), and their ensemble (probabilities
 * averaged over the runs). Stored as tables of per-class counts, compared class by class.
 */
export const ttaSchema = z.strictObject({
  flips: z.boolean().default(true),
  /** Extra input scales besides 1 (0.75 to 1.5). */
  scales: z.array(z.number().min(0.75).max(1.5)).max(6).default([]),
});
export type TtaOptions = z.output<typeof ttaSchema>;

export const evaluationRequestSchema = z.strictObject({
  runIds: z.array(z.string().min(1)).min(1).max(8),
  split: z.enum(['val', 'test']).default('val'),
  checkpoint: z.enum(['best', 'last']).default('best'),
  /** null: plain predictions only. */
  tta: ttaSchema.nullable().default({ flips: true, scales: [] }),
});
export type EvaluationRequest = z.output<typeof evaluationRequestSchema>;

export const evaluationJobParamsSchema = z.object({
  members: z.array(modelRefSchema.extend({ name: z.string() })),
  labelMap: labelMapSchema,
  items: z.array(trainItemSchema),
  tta: ttaSchema.nullable(),
});
export type EvaluationJobParams = z.output<typeof evaluationJobParamsSchema>;

export const evaluationVariantSchema = z.object({ name: z.string(), counts: z.array(classCountsSchema) });
type EvaluationVariant = z.output<typeof evaluationVariantSchema>;

export interface EvaluationJobResult {
  variants: EvaluationVariant[];
  skipped: { imageId: number; message: string }[];
}

export interface EvaluationSummary {
  id: number;
  createdAt: string;
  jobId: string;
  status: 'running' | 'finished' | 'failed' | 'cancelled' | 'queued';
  reason: string | null;
  split: string;
  runIds: string[];
  runNames: string[];
  classNames: string[];
  tta: TtaOptions | null;
  images: number;
  variants: { name: string; classIou: (number | null)[]; miou: number | null }[];
}

/** The TTA views of one image: each scale (1 first) with no flip, and with each flip when asked. */
export function ttaViews(tta: TtaOptions): { scale: number; flip: 'none' | 'x' | 'y' }[] {
  const scales = [1, ...tta.scales.filter((s) => s !== 1)];
  const flips: ('none' | 'x' | 'y')[] = tta.flips ? ['none', 'x', 'y'] : ['none'];
  return scales.flatMap((scale) => flips.map((flip) => ({ scale, flip })));
}
