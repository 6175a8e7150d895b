import type { HashedImageResult } from './duplicates';
import type { ApiErrorShape } from './errors';
import type { IndexedImage } from './indexing';
import type { JobKind } from './jobs';
import { classCountsSchema } from './metrics';
import { epochValidationSchema } from './validation-plan';
import { z } from './zod';

/**
 * Messages between main and the engine process. Tagged unions on `type`; every switch over them
 * ends in `assertNever` so that a new message cannot be forgotten by a handler.
 */
export type MainToEngine = { type: 'start'; job: { id: string; kind: JobKind; params: unknown } } | { type: 'cancel' };

export type EngineToMain =
  | { type: 'ready'; pid: number; nodeVersion: string }
  | { type: 'heartbeat'; at: number }
  | { type: 'progress'; done: number; total: number; message: string; etaSeconds?: number | null }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'data'; payload: EngineData }
  | { type: 'finished'; result: unknown }
  | { type: 'failed'; error: ApiErrorShape }
  | { type: 'cancelled' };

/** Job-specific results streamed while a job runs; main stores them (the engine never writes SQLite). */
export type EngineData =
  | { kind: 'indexed'; images: IndexedImage[] }
  | { kind: 'run-started'; backend: string; device: string; notes: string[]; resumedFromEpoch: number | null }
  | { kind: 'run-steps'; steps: { step: number; epoch: number; loss: number; lr: number }[]; resources?: EngineResources }
  | { kind: 'run-epoch'; epoch: EpochReport }
  | { kind: 'run-event'; level: 'info' | 'warn'; message: string }
  | { kind: 'hashed'; datasetId: string; images: HashedImageResult[] };

/** What the engine uses right now; GPU figures come from nvidia-smi when training on the GPU. */
export interface EngineResources {
  tensors: number;
  tfjsMiB: number;
  processMiB: number;
  /** WebGPU: the buffers the backend holds on the GPU, live and pooled (its own accounting); absent elsewhere. */
  gpuBuffersMiB?: number;
  gpu: { name: string; utilization: number; memoryUsedMiB: number; memoryTotalMiB: number; temperatureC: number } | null;
}

/** One epoch as the engine reports it (and a checkpoint keeps it, to send again on resume). */
export const epochReportSchema = z.object({
  /** 1-based epoch number. */
  epoch: z.number(),
  /** NaN for an epoch without a finite step; JSON writes it as null, read back as NaN. */
  trainLoss: z
    .number()
    .nullable()
    .transform((loss) => loss ?? Number.NaN),
  valLoss: z.number().nullable(),
  lr: z.number(),
  seconds: z.number(),
  /** Of `seconds`, the time spent validating (absent from engines before it existed). */
  validationSeconds: z.number().optional(),
  /** Training images per second over the epoch's steps (validation not included). */
  imagesPerSecond: z.number(),
  /** Share of the epoch's step time spent waiting for data. */
  dataWait: z.number(),
  counts: z.array(classCountsSchema),
  imageCounts: z.array(z.object({ imageId: z.number(), counts: z.array(classCountsSchema) })),
  /** 'best' when this epoch became the best checkpoint. */
  best: z.boolean(),
  /** What the epoch validated: every image, the seeded subset, or nothing (validateEvery); absent before it existed. */
  validation: epochValidationSchema.optional(),
  /**
   * With a validation subset: the mIoU on the subset's images that the best checkpoint, the plateau
   * and early stopping compared (for a full validation, from its per-image counts). Absent when
   * every validation sees every image, and in reports before it existed.
   */
  judgedMiou: z.number().nullable().optional(),
  judgedOn: z.object({ kind: z.literal('subset'), images: z.number() }).optional(),
  /** The validation images of the run (the subset's "of"). */
  validationTotal: z.number().optional(),
  /** Sent again from the checkpoint when a run resumes: main stores it only if it has no such epoch. */
  replayed: z.boolean().optional(),
});
export type EpochReport = z.output<typeof epochReportSchema>;

export const engineHeartbeatIntervalMs = 1_000;

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}

const engineMessageTypes: ReadonlySet<string> = new Set<EngineToMain['type']>([
  'ready',
  'heartbeat',
  'progress',
  'log',
  'data',
  'finished',
  'failed',
  'cancelled',
]);

/** Guards what arrives over the process channel: anything else is ignored and logged. */
export function isEngineToMain(value: unknown): value is EngineToMain {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    engineMessageTypes.has((value as { type: string }).type)
  );
}
