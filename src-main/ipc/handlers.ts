import type { SystemInfo } from '../../src-shared/contract';
import type { Db } from '../db/connection';
import { schemaVersion } from '../db/connection';
import type { Statements } from '../db/statements';
import { datasetStats, imageDetail, listImages } from '../datasets/dataset-queries';
import type { DatasetService } from '../datasets/dataset-service';
import type { DerivedService } from '../datasets/derived-service';
import { duplicateReport } from '../datasets/duplicate-queries';
import type { DuplicateService } from '../datasets/duplicate-service';
import type { RevisionService } from '../datasets/revision-service';
import { hardestImages, saveHardSampleWeights } from '../inspect/hard-samples';
import type { PredictionService } from '../inspect/prediction-service';
import { confusionImages, predictionSummary, reviewQueue } from '../inspect/predictions';
import type { ModelExportService } from '../runs/model-export-service';
import type { ModelImportService } from '../runs/model-import-service';
import type { PseudoLabelService } from '../inspect/pseudo-service';
import type { LabelErrorService } from '../inspect/label-error-service';
import type { JobService } from '../jobs/job-service';
import type { EvaluationService } from '../runs/evaluation-service';
import type { RunService } from '../runs/run-service';
import type { EventBus } from '../services/event-bus';
import { optionalPackages } from '../services/optional-packages';
import type { SettingsService } from '../services/settings-service';
import { appVersion } from '../services/version';
import type { Handlers } from './router';
import type { WeightsService } from '../weights/weights-service';

/** What the handlers reach: the services of one data directory, wired by createAppServices. */
interface HandlerDeps {
  mode: SystemInfo['mode'];
  dataDir: string;
  dbPath: string;
  db: Db;
  statements: Statements;
  events: EventBus;
  settings: SettingsService;
  jobs: JobService;
  datasets: DatasetService;
  derived: DerivedService;
  revisions: RevisionService;
  duplicates: DuplicateService;
  runs: RunService;
  predictions: PredictionService;
  modelExports: ModelExportService;
  modelImports: ModelImportService;
  evaluations: EvaluationService;
  pseudo: PseudoLabelService;
  labelErrors: LabelErrorService;
  weights: WeightsService;
}

/**
 * Every contract method's handler, in one table. The dispatcher (router.ts) has parsed each
 * request with the contract's schema before a handler sees it, so handlers and the services they
 * call take parsed values and never parse again. Every transport (Electron IPC, the WebSocket of
 * serve mode, the in-memory client of the CLI and tests) reaches the services through here.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    'system:info': () => ({
      appVersion,
      mode: deps.mode,
      dataDir: deps.dataDir,
      dbPath: deps.dbPath,
      schemaVersion: schemaVersion(deps.db),
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.version,
      optionalPackages: optionalPackages(),
    }),
    'settings:get': () => deps.settings.get(),
    'settings:update': (patch) => {
      const next = deps.settings.update(patch);
      deps.events.emit('settings:changed', next);
      return next;
    },
    'jobs:list': () => deps.jobs.list(),
    'jobs:get': ({ jobId }) => deps.jobs.get(jobId),
    'jobs:startDiagnostic': (params) => deps.jobs.enqueue('diagnostic', params),
    'jobs:cancel': ({ jobId }) => deps.jobs.cancel(jobId),
    'jobs:move': ({ jobId, direction }) => deps.jobs.move(jobId, direction),
    'datasets:list': () => deps.datasets.list(),
    'datasets:scan': ({ imagesDir, masksDir }) => deps.datasets.scan(imagesDir, masksDir),
    'datasets:import': (request) => deps.datasets.import(request),
    'datasets:reindex': ({ datasetId }) => deps.datasets.reindex(datasetId),
    'datasets:get': ({ datasetId }) => deps.datasets.get(datasetId),
    'datasets:setClasses': ({ datasetId, classes }) => deps.datasets.setClasses(datasetId, classes),
    'datasets:split': (request) => deps.datasets.split(request),
    'datasets:stats': ({ datasetId }) => datasetStats(deps.statements, deps.datasets.row(datasetId)),
    'datasets:pixel': ({ imageId, x, y }) => deps.datasets.pixel(imageId, x, y),
    'datasets:renameBands': ({ datasetId, names }) => deps.datasets.renameBands(datasetId, names),
    'datasets:images': (request) => {
      deps.datasets.row(request.datasetId);
      return listImages(deps.db, request);
    },
    'datasets:image': ({ imageId }) => imageDetail(deps.statements, imageId),
    'datasets:delete': ({ datasetId }) => deps.datasets.delete(datasetId),
    'datasets:mergePreview': (request) => deps.derived.mergePreview(request),
    'datasets:merge': (request) => deps.derived.merge(request),
    'labelErrors:plan': (request) => deps.labelErrors.plan(request),
    'labelErrors:start': (request) => deps.labelErrors.start(request),
    'labelErrors:resume': ({ checkId }) => deps.labelErrors.resume(checkId),
    'labelErrors:list': ({ datasetId }) => deps.labelErrors.list(deps.datasets.row(datasetId).id),
    'labelErrors:queue': (request) => deps.labelErrors.queue(request),
    'labelErrors:accept': (request) => deps.labelErrors.accept(request),
    'labelErrors:keep': ({ checkId, imageId }) => deps.labelErrors.keep(checkId, imageId),
    'labelErrors:undo': ({ checkId, imageId }) => deps.labelErrors.undo(checkId, imageId),
    'labelErrors:redo': ({ checkId, imageId }) => deps.labelErrors.redo(checkId, imageId),
    'pseudo:start': (request) => deps.pseudo.start(request),
    'pseudo:list': () => deps.pseudo.list(),
    'pseudo:save': (request) => deps.pseudo.save(request),
    'datasets:findDuplicates': ({ datasetId }) => deps.duplicates.find(datasetId),
    'datasets:duplicates': ({ datasetId, threshold }) => {
      deps.datasets.row(datasetId);
      return duplicateReport(deps.statements, datasetId, threshold);
    },
    'runs:list': () => deps.runs.list(),
    'runs:get': ({ runId }) => deps.runs.get(runId),
    'runs:start': (config) => deps.runs.start(config),
    'runs:stop': ({ runId }) => deps.runs.stop(runId),
    'runs:resume': ({ runId }) => deps.runs.resume(runId),
    'runs:delete': ({ runId }) => deps.runs.delete(runId),
    'runs:steps': ({ runId, maxPoints }) => deps.runs.steps(runId, maxPoints),
    'runs:update': (patch) => deps.runs.update(patch),
    'runs:estimate': (config) => deps.runs.estimate(config),
    'runs:recipePreview': (config) => deps.runs.recipePreview(config),
    'samples:hardest': (request) => hardestImages(deps.statements, request),
    'samples:saveWeights': (request) => saveHardSampleWeights(deps.db, deps.statements, deps.runs, request),
    'runs:export': (request) => deps.modelExports.export(request),
    'runs:importModel': (request) => deps.modelImports.import(request),
    'runs:importMasks': (request) => deps.modelImports.importMasks(request),
    'runs:predictFolder': ({ runId, imagesDir, outDir, checkpoint, encoding }) =>
      deps.predictions.predictFolder(runId, imagesDir, outDir, checkpoint, encoding),
    'runs:evaluate': ({ runId, split, checkpoint }) => deps.runs.scoreCheckpoint(runId, split, checkpoint),
    'runs:predictSplit': ({ runId, split, tta }) => deps.predictions.predictSplit(runId, split, tta),
    'samples:predictions': ({ runId }) => predictionSummary(deps.statements, runId),
    'samples:confusionImages': (request) => confusionImages(deps.statements, request),
    'samples:reviewQueue': (request) => reviewQueue(deps.statements, request),
    'revisions:list': ({ imageId }) => deps.revisions.list(imageId),
    'revisions:create': (request) => deps.revisions.create(request),
    'revisions:undo': ({ imageId }) => deps.revisions.undo(imageId),
    'revisions:redo': ({ imageId }) => deps.revisions.redo(imageId),
    'revisions:restore': ({ imageId, revisionId }) => deps.revisions.restore(imageId, revisionId),
    'datasets:exportCorrected': ({ datasetId, dir }) => deps.revisions.exportCorrected(datasetId, dir),
    'evals:start': (request) => deps.evaluations.start(request),
    'evals:list': () => deps.evaluations.list(),
    'weights:list': () => deps.weights.overview(),
    'weights:pull': ({ name }) => deps.weights.pull(name),
    'samples:weightSets': () => deps.statements.weightSets.all().map((w) => ({ runId: w.run_id, name: w.name, images: w.n })),
  };
}
