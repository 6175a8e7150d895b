import type { EngineResources } from './engine-protocol';
import type { ExternalModel, PredictedMasks } from './external-model';
import type { ClassCounts } from './metrics';
import type { RunConfig, RunStatus } from './run-config';
import { z } from './zod';

export const runIdRequestSchema = z.strictObject({ runId: z.string().min(1) });
export const runStepsRequestSchema = z.strictObject({
  runId: z.string().min(1),
  /** At most this many points come back (LTTB-downsampled): a chart's width in pixels. */
  maxPoints: z.number().int().min(10).max(20_000).default(1000),
});

export const runUpdateSchema = z.strictObject({
  runId: z.string().min(1),
  name: z.string().trim().min(1).max(80).optional(),
  tags: z.array(z.string().trim().min(1).max(30)).max(20).optional(),
  notes: z.string().max(5000).optional(),
  archived: z.boolean().optional(),
});

export interface StepPoint {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
}

export interface RunSummary {
  id: string;
  name: string;
  datasetId: string | null;
  model: string;
  status: RunStatus;
  /** Why it stopped, crashed, diverged or failed, in words. */
  reason: string | null;
  epochsDone: number;
  epochs: number;
  bestEpoch: number | null;
  bestMiou: number | null;
  /** The best epoch's validation images when they were a subset (its mIoU is over those); null when over all of them. */
  bestSubset: { images: number; of: number } | null;
  backend: string | null;
  device: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  jobId: string | null;
  tags: string[];
  notes: string;
  archived: boolean;
  /** Per-class IoU at the best epoch, by class name (null: absent from truth and prediction). */
  bestClassIou: Record<string, number | null>;
  /** Training and validation masks with a label correction in effect when the run started; null for runs from before SegBench recorded it. */
  correctedMasks: number | null;
  /** A model trained elsewhere and imported (ONNX): what the importer found; null for runs SegBench trained. */
  external: ExternalModel | null;
  /** A folder of predicted masks imported as a run: where they came from and what the import found; null otherwise. */
  predictedMasks: PredictedMasks | null;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  lr: number | null;
  seconds: number | null;
  imagesPerSecond: number | null;
  dataWait: number | null;
  miou: number | null;
  accuracy: number | null;
  isBest: boolean;
  /** Validation counts per class: IoU and the rest come from src-shared/metrics. */
  counts: ClassCounts[];
  /**
   * How many validation images the epoch's figures are over, of how many: fewer on a validation
   * subset between full validations. Null for an epoch that did not validate or was recorded
   * before SegBench stored it.
   */
  validated: { images: number; of: number } | null;
}

export interface RunDetail extends RunSummary {
  config: RunConfig;
  /** The engine's latest resource report while the run trains; null otherwise. */
  resources: EngineResources | null;
  classNames: string[];
  /** The dataset's colour of each class (src-shared/class-colors): the same in every chart and view. */
  classColors: string[];
  epochHistory: EpochSummary[];
  events: { at: string; level: string; message: string }[];
}
