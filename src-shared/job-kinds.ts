import type { z } from 'zod';
import { deriveJobParamsSchema } from './derived';
import { hashJobParamsSchema } from './duplicates';
import type { EvaluationJobResult } from './evaluations';
import { evaluationJobParamsSchema } from './evaluations';
import { indexJobParamsSchema, sampleJobParamsSchema } from './indexing';
import type { JobKind } from './jobs';
import { diagnosticParamsSchema } from './jobs';
import type { ClassCounts } from './metrics';
import { exportJobParamsSchema } from './revisions';
import type { ExportModelResult } from './model-export';
import { exportModelJobParamsSchema } from './model-export';
import type { ImportModelResult } from './model-import';
import { importModelJobParamsSchema } from './model-import';
import type { LabelErrorJobResult } from './label-errors';
import { labelErrorJobParamsSchema } from './label-errors';
import type { EstimateResult, PredictResult, TrainResult } from './training';
import { checkpointScoreJobParamsSchema, estimateJobParamsSchema, predictJobParamsSchema, trainJobParamsSchema } from './training';

/**
 * The job boundary between main and the engine, in one table: for every job kind, the schema of
 * its parameters and the type of its result. Main enqueues `JobParams<K>`; the engine parses the
 * parameters with this schema once, before the job runs, and returns `JobResult<K>`. Job code
 * never casts parameters or results.
 */
export const jobParamSchemas = {
  diagnostic: diagnosticParamsSchema,
  index: indexJobParamsSchema,
  sample: sampleJobParamsSchema,
  train: trainJobParamsSchema,
  /** One run's checkpoint scored on a split: counts per class and image, the loss (`segbench eval`, hard samples). */
  eval: checkpointScoreJobParamsSchema,
  predict: predictJobParamsSchema,
  estimate: estimateJobParamsSchema,
  export: exportJobParamsSchema,
  /** Compare's evaluation: runs plain, with TTA and as an ensemble, stored in the evaluations table. */
  evaluate: evaluationJobParamsSchema,
  hash: hashJobParamsSchema,
  derive: deriveJobParamsSchema,
  'label-errors': labelErrorJobParamsSchema,
  'export-model': exportModelJobParamsSchema,
  /** A model trained elsewhere (ONNX) inspected and copied into a new external run's folder. */
  'import-model': importModelJobParamsSchema,
} as const satisfies Record<JobKind, z.ZodType>;

/** What a job kind takes, as main builds it (defaults of the diagnostic schema are optional here). */
export type JobParamsInput<K extends JobKind> = z.input<(typeof jobParamSchemas)[K]>;
/** What a job kind's runner receives, parsed. */
export type JobParams<K extends JobKind> = z.output<(typeof jobParamSchemas)[K]>;

export interface DiagnosticResult {
  steps: number;
  pid: number;
  nodeVersion: string;
  platform: string;
  arch: string;
  rssMiB: number;
  /** With `probeBackends`: each backend in the automatic order, whether it starts, and its device or why not. */
  backends?: BackendProbe[];
}

export interface BackendProbe {
  backend: string;
  available: boolean;
  /** The device when it starts (for WebGPU the adapter and its limits), else why not, in one line. */
  detail: string;
}

/** Counts of a checkpoint on a split: for the split, per image, and the loss. */
export interface ValidationResult {
  counts: ClassCounts[];
  imageCounts: { imageId: number; counts: ClassCounts[] }[];
  loss: number | null;
  skipped: { imageId: number; message: string }[];
}

interface JobResults {
  diagnostic: DiagnosticResult;
  index: { indexed: number; problems: number };
  sample: { outDir: string; count: number };
  train: TrainResult;
  eval: ValidationResult;
  predict: PredictResult;
  estimate: EstimateResult;
  export: { copied: number; dir: string };
  evaluate: EvaluationJobResult;
  hash: { hashed: number; failed: number };
  derive: { written: number; skipped: { imageId: number; message: string }[] };
  'label-errors': LabelErrorJobResult;
  'export-model': ExportModelResult;
  'import-model': ImportModelResult;
}
export type JobResult<K extends JobKind> = JobResults[K];

/** Parses a job's parameters at the engine's door; the message names each bad field. */
export function parseJobParams<K extends JobKind>(kind: K, raw: unknown): { ok: true; params: JobParams<K> } | { ok: false; message: string } {
  const schema: z.ZodType = jobParamSchemas[kind];
  const parsed = schema.safeParse(raw);
  // The one place the table's per-kind type is restored: the schema of `kind` produced this value.
  if (parsed.success) return { ok: true, params: parsed.data as JobParams<K> };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`)
    .join('; ');
  return { ok: false, message: `Invalid ${kind} job parameters: ${issues}` };
}
