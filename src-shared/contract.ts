import { z } from './zod';
import {
  datasetIdRequestSchema,
  imageIdRequestSchema,
  imagesRequestSchema,
  importRequestSchema,
  pixelRequestSchema,
  renameBandsRequestSchema,
  scanRequestSchema,
  setClassesRequestSchema,
} from './datasets';
import type { DatasetDetail, DatasetStats, DatasetSummary, ImageDetail, ImageListItem, PairingSummary, PixelValues } from './datasets';
import { diagnosticParamsSchema } from './jobs';
import type { Job } from './jobs';
import { settingsSchema } from './settings';
import { splitRequestSchema } from './splits';
import { runConfigSchema } from './run-config';
import { runIdRequestSchema, runStepsRequestSchema, runUpdateSchema } from './runs';
import type { RunDetail, RunSummary, StepPoint } from './runs';
import type { EstimateResult } from './training';
import { predictionEncodings } from './training';
import type { RecipePreview } from './recipes';
import { evaluationRequestSchema } from './evaluations';
import type { EvaluationSummary } from './evaluations';
import { hardestRequestSchema } from './hard-samples';
import type { HardestResult } from './hard-samples';
import type { Settings } from './settings';
import { createRevisionSchema, exportCorrectedSchema, restoreRevisionSchema, revisionImageSchema } from './revisions';
import type { ImageRevisions } from './revisions';
import { confusionImagesSchema, predictSplitSchema, reviewQueueSchema } from './predictions';
import type { ImageShare, PredictionSummary, ReviewQueue } from './predictions';
import { duplicatesRequestSchema } from './duplicates';
import { exportModelRequestSchema } from './model-export';
import { importMasksRequestSchema, importModelRequestSchema } from './model-import';
import { mergeRequestSchema, pseudoSaveSchema, pseudoStartSchema } from './derived';
import { labelErrorAcceptSchema, labelErrorCheckSchema, labelErrorImageSchema, labelErrorQueueSchema, labelErrorStartSchema } from './label-errors';
import type { LabelCheckSummary, LabelErrorPlan, LabelErrorQueue, LabelErrorReviewChange } from './label-errors';
import type { MergePreview, PseudoLabelSet } from './derived';
import type { DuplicateReport } from './duplicates';
import { weightsPullRequestSchema } from './weights';
import type { WeightsDownload, WeightsOverview } from './weights';

/**
 * The one declaration of every request and event between the renderer and main.
 * Main's handlers, the Electron preload, the WebSocket transport, the in-memory transport and
 * the renderer's client are all typed from `methods` and `EventPayloads`; requests are parsed
 * with these zod schemas at the boundary. Channel names are namespaced `area:verb`.
 */

/** Phantom marker carrying a response type without a runtime value. */
function returns<T>(): T {
  return undefined as T;
}

const empty = z.strictObject({});
const jobId = z.strictObject({ jobId: z.string().min(1) });

export interface OptionalPackage {
  name: string;
  installed: boolean;
  purpose: string;
}

export interface SystemInfo {
  appVersion: string;
  mode: 'electron' | 'serve' | 'cli' | 'memory';
  dataDir: string;
  dbPath: string;
  schemaVersion: number;
  platform: string;
  nodeVersion: string;
  optionalPackages: OptionalPackage[];
}

export const methods = {
  'system:info': { request: empty, response: returns<SystemInfo>() },
  'settings:get': { request: empty, response: returns<Settings>() },
  'settings:update': { request: settingsSchema.partial(), response: returns<Settings>() },
  'jobs:list': { request: empty, response: returns<Job[]>() },
  'jobs:get': { request: jobId, response: returns<Job>() },
  'jobs:startDiagnostic': { request: diagnosticParamsSchema, response: returns<Job>() },
  'jobs:cancel': { request: jobId, response: returns<Job>() },
  'jobs:move': {
    request: z.strictObject({ jobId: z.string().min(1), direction: z.enum(['earlier', 'later']) }),
    response: returns<Job[]>(),
  },
  'datasets:list': { request: empty, response: returns<DatasetSummary[]>() },
  'datasets:scan': { request: scanRequestSchema, response: returns<PairingSummary>() },
  'datasets:import': { request: importRequestSchema, response: returns<DatasetSummary>() },
  'datasets:reindex': { request: datasetIdRequestSchema, response: returns<DatasetSummary>() },
  'datasets:get': { request: datasetIdRequestSchema, response: returns<DatasetDetail>() },
  'datasets:setClasses': { request: setClassesRequestSchema, response: returns<DatasetDetail>() },
  'datasets:split': { request: splitRequestSchema, response: returns<DatasetDetail>() },
  'datasets:stats': { request: datasetIdRequestSchema, response: returns<DatasetStats>() },
  'datasets:pixel': { request: pixelRequestSchema, response: returns<PixelValues>() },
  'datasets:renameBands': { request: renameBandsRequestSchema, response: returns<DatasetDetail>() },
  'datasets:images': { request: imagesRequestSchema, response: returns<{ total: number; items: ImageListItem[] }>() },
  'datasets:image': { request: imageIdRequestSchema, response: returns<ImageDetail>() },
  'datasets:delete': { request: datasetIdRequestSchema, response: returns<{ deleted: boolean }>() },
  'datasets:mergePreview': { request: mergeRequestSchema, response: returns<MergePreview>() },
  'datasets:merge': { request: mergeRequestSchema, response: returns<DatasetSummary>() },
  'pseudo:start': { request: pseudoStartSchema, response: returns<PseudoLabelSet>() },
  'pseudo:list': { request: empty, response: returns<PseudoLabelSet[]>() },
  'pseudo:save': { request: pseudoSaveSchema, response: returns<DatasetSummary>() },
  'datasets:findDuplicates': { request: datasetIdRequestSchema, response: returns<Job | null>() },
  'datasets:duplicates': { request: duplicatesRequestSchema, response: returns<DuplicateReport>() },
  'runs:list': { request: empty, response: returns<RunSummary[]>() },
  'runs:get': { request: runIdRequestSchema, response: returns<RunDetail>() },
  'runs:start': { request: runConfigSchema, response: returns<RunSummary>() },
  'runs:stop': { request: runIdRequestSchema, response: returns<RunSummary>() },
  'runs:resume': { request: runIdRequestSchema, response: returns<RunSummary>() },
  'runs:delete': { request: runIdRequestSchema, response: returns<{ deleted: boolean }>() },
  'runs:update': { request: runUpdateSchema, response: returns<RunSummary>() },
  'runs:estimate': { request: runConfigSchema, response: returns<EstimateResult>() },
  'runs:recipePreview': { request: runConfigSchema, response: returns<RecipePreview>() },
  'samples:hardest': { request: hardestRequestSchema, response: returns<HardestResult>() },
  'samples:saveWeights': { request: hardestRequestSchema, response: returns<{ saved: number }>() },
  /** The run's model as an ONNX file with a JSON sidecar; the job's result holds both paths. */
  'runs:export': { request: exportModelRequestSchema, response: returns<Job>() },
  /** A model trained elsewhere (ONNX) in as an external run of a dataset; answers once the file is checked and copied. */
  'runs:importModel': { request: importModelRequestSchema, response: returns<RunSummary>() },
  /** A folder of masks predicted elsewhere, in the dataset's encoding, as a run for eval, Compare and Inspect. */
  'runs:importMasks': { request: importMasksRequestSchema, response: returns<RunSummary>() },
  'runs:predictFolder': {
    request: z.strictObject({
      runId: z.string().min(1),
      imagesDir: z.string().min(1),
      outDir: z.string().min(1),
      checkpoint: z.enum(['best', 'last']).default('best'),
      /** The label file: the dataset's own mask values (default), class indices, or class colours only. */
      encoding: z.enum(predictionEncodings).default('mask-values'),
    }),
    response: returns<Job>(),
  },
  /** Queues an `eval` job: one checkpoint scored on a split (Compare's evaluations are `evals:start`). */
  'runs:evaluate': {
    request: z.strictObject({
      runId: z.string().min(1),
      split: z.enum(['train', 'val', 'test']).default('val'),
      checkpoint: z.enum(['best', 'last']).default('best'),
    }),
    response: returns<Job>(),
  },
  'runs:predictSplit': { request: predictSplitSchema, response: returns<{ written: number; skipped: number }>() },
  'samples:predictions': { request: runIdRequestSchema, response: returns<PredictionSummary>() },
  'samples:confusionImages': { request: confusionImagesSchema, response: returns<ImageShare[]>() },
  'samples:reviewQueue': { request: reviewQueueSchema, response: returns<ReviewQueue>() },
  'samples:weightSets': { request: empty, response: returns<{ runId: string; name: string; images: number }[]>() },
  'revisions:list': { request: revisionImageSchema, response: returns<ImageRevisions>() },
  'revisions:create': { request: createRevisionSchema, response: returns<ImageRevisions>() },
  'revisions:undo': { request: revisionImageSchema, response: returns<ImageRevisions>() },
  'revisions:redo': { request: revisionImageSchema, response: returns<ImageRevisions>() },
  'revisions:restore': { request: restoreRevisionSchema, response: returns<ImageRevisions>() },
  'datasets:exportCorrected': { request: exportCorrectedSchema, response: returns<Job>() },
  'labelErrors:plan': { request: labelErrorStartSchema, response: returns<LabelErrorPlan>() },
  'labelErrors:start': { request: labelErrorStartSchema, response: returns<LabelCheckSummary>() },
  'labelErrors:resume': { request: labelErrorCheckSchema, response: returns<LabelCheckSummary>() },
  'labelErrors:list': { request: datasetIdRequestSchema, response: returns<LabelCheckSummary[]>() },
  'labelErrors:queue': { request: labelErrorQueueSchema, response: returns<LabelErrorQueue>() },
  'labelErrors:accept': { request: labelErrorAcceptSchema, response: returns<ImageRevisions>() },
  'labelErrors:keep': { request: labelErrorImageSchema, response: returns<LabelCheckSummary>() },
  'labelErrors:undo': { request: labelErrorImageSchema, response: returns<LabelErrorReviewChange>() },
  'labelErrors:redo': { request: labelErrorImageSchema, response: returns<LabelErrorReviewChange>() },
  'evals:start': { request: evaluationRequestSchema, response: returns<EvaluationSummary>() },
  'evals:list': { request: empty, response: returns<EvaluationSummary[]>() },
  'runs:steps': { request: runStepsRequestSchema, response: returns<{ total: number; steps: StepPoint[] }>() },
  'weights:list': { request: empty, response: returns<WeightsOverview>() },
  'weights:pull': { request: weightsPullRequestSchema, response: returns<WeightsDownload>() },
} as const;

export type MethodName = keyof typeof methods;
export type RequestOf<M extends MethodName> = z.input<(typeof methods)[M]['request']>;
export type ParsedRequestOf<M extends MethodName> = z.output<(typeof methods)[M]['request']>;
export type ResponseOf<M extends MethodName> = (typeof methods)[M]['response'];

export interface EventPayloads {
  /** A job was queued, started, progressed or ended. Carries the whole job row. */
  'job:update': Job;
  'settings:changed': Settings;
  /** A dataset was added, indexed further, re-classed, re-split or removed. */
  'dataset:changed': { datasetId: string };
  /** A run was queued, started, reported an epoch or ended. */
  'run:update': RunSummary;
  /** An evaluation job was queued or stored its results. */
  'evals:changed': Record<string, never>;
  /** A pseudo-label set was started or its predictions stored. */
  'pseudo:changed': Record<string, never>;
  /** A weights download started in the app progressed or ended. */
  'weights:changed': WeightsDownload;
}
export type EventName = keyof EventPayloads;

export const methodNames = Object.keys(methods) as MethodName[];
const eventNames: readonly EventName[] = [
  'job:update',
  'settings:changed',
  'dataset:changed',
  'run:update',
  'evals:changed',
  'pseudo:changed',
  'weights:changed',
];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(methods, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (eventNames as readonly string[]).includes(value);
}

/** What every transport offers the renderer (and tests): typed calls and typed event subscriptions. */
export interface ApiClient {
  invoke<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/** Wire format used by the WebSocket and IPC transports. */
export type WireReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { code: string; message: string } };

/**
 * The files the renderer loads by URL, outside the typed calls: `/files/<kind>/<imageId>` in serve
 * mode, `segbench://files/...` in Electron (`/<kind>/<owner>/<imageId>` for a run's or a check's
 * files). `mask` is the mask in effect (the current label correction, if any); `original-mask` the
 * imported file.
 */
export const fileKinds = ['thumb', 'thumb-mask', 'image', 'mask', 'original-mask', 'prediction', 'check-prediction', 'check-flag'] as const;
export type FileKind = (typeof fileKinds)[number];

/** What the Electron preload exposes as `window.segbench`; replies keep the error code intact. */
export interface SegbenchBridge {
  invoke(method: string, payload: unknown): Promise<Omit<WireReply, 'id'>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}
