import { join } from 'node:path';
import type { SystemInfo } from '../../src-shared/contract';
import { RunService } from '../runs/run-service';
import { sweepDeadTempCheckpoints } from '../runs/run-recorder';
import { EvaluationService } from '../runs/evaluation-service';
import { ModelExportService } from '../runs/model-export-service';
import { ModelImportService } from '../runs/model-import-service';
import { PredictionService } from '../inspect/prediction-service';
import { DatasetService } from '../datasets/dataset-service';
import { RevisionService } from '../datasets/revision-service';
import { DuplicateService } from '../datasets/duplicate-service';
import { DerivedService } from '../datasets/derived-service';
import { PseudoLabelService } from '../inspect/pseudo-service';
import { LabelErrorService } from '../inspect/label-error-service';
import { SampleDatasets } from '../datasets/sample-dataset';
import { createFileResolver } from '../files/file-service';
import type { FileResolver } from '../files/file-service';
import { diskFreeText, openDatabase } from '../db/connection';
import { keepReserve, releaseReserve, reserveBytes } from '../db/space-reserve';
import { ApiError } from '../../src-shared/errors';
import type { Db } from '../db/connection';
import { prepareStatements } from '../db/statements';
import type { EngineLauncher } from '../jobs/engine-host';
import { JobService } from '../jobs/job-service';
import { createDispatcher } from '../ipc/router';
import type { Dispatch } from '../ipc/router';
import { createHandlers } from '../ipc/handlers';
import type { Logger } from '../log';
import { ensureDataDir } from './data-dir';
import { EventBus } from './event-bus';
import { SettingsService } from './settings-service';
import type { ApiClient } from '../../src-shared/contract';
import { WeightsService } from '../weights/weights-service';
import { createMemoryClient } from '../ipc/memory-transport';

interface AppServicesOptions {
  dataDir: string;
  mode: SystemInfo['mode'];
  launcher: EngineLauncher;
  logger: Logger;
  heartbeatTimeoutMs?: number;
  stopDeadlineMs?: number;
  /** Queue lock and job lease timing (tests shorten them). */
  leaseMs?: number;
  tickMs?: number;
  /** See openDatabase: the Electron build of better-sqlite3 when running from source. */
  sqliteBinding?: string | undefined;
}

export interface AppServices {
  readonly dataDir: string;
  readonly db: Db;
  readonly events: EventBus;
  readonly jobs: JobService;
  readonly datasets: DatasetService;
  readonly samples: SampleDatasets;
  readonly runs: RunService;
  readonly predictions: PredictionService;
  readonly modelExports: ModelExportService;
  readonly modelImports: ModelImportService;
  readonly revisions: RevisionService;
  readonly files: FileResolver;
  readonly dispatch: Dispatch;
  /** A client over `dispatch`: how the CLI calls the services, through the same boundary as IPC and WebSocket. */
  readonly api: ApiClient;
  close(): Promise<void>;
}

/**
 * Opens the database; on a disk too full for SQLite to open it (its shared-memory index and
 * journal need room), gives back the data directory's space reserve and tries once more, saying so.
 */
function openOnFullDisk(dbPath: string, options: AppServicesOptions): Db {
  try {
    return openDatabase(dbPath, { nativeBinding: options.sqliteBinding });
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'STORAGE' && /^Cannot open the database/.test(error.message)) || !releaseReserve(options.dataDir))
      throw error;
    options.logger.warn(
      `[db] the disk is full (${diskFreeText(dbPath)}); SegBench released its ${reserveBytes / 2 ** 20} MB space reserve to open the database. Free some space: jobs that write fail until there is room.`,
    );
    return openDatabase(dbPath, { nativeBinding: options.sqliteBinding });
  }
}

/**
 * Everything main owns, wired once: the database (main is its only writer), the job queue over
 * the engine launcher, and the handlers of every contract method. The Electron shell, serve mode,
 * the CLI and tests all build on this one function.
 */
export function createAppServices(options: AppServicesOptions): AppServices {
  ensureDataDir(options.dataDir);
  const dbPath = join(options.dataDir, 'segbench.db');
  const db = openOnFullDisk(dbPath, options);
  keepReserve(options.dataDir);
  const statements = prepareStatements(db);
  const events = new EventBus();
  const settings = new SettingsService(statements);
  const jobs = new JobService({
    db,
    statements,
    mode: options.mode,
    // A CLI command runs its own jobs and hands the queue back; the app and serve run everyone's.
    ownJobsOnly: options.mode === 'cli',
    sqliteBinding: options.sqliteBinding,
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    ...(options.tickMs !== undefined && { tickMs: options.tickMs }),
    launcher: options.launcher,
    logger: options.logger,
    onUpdate: (job) => events.emit('job:update', job),
    ...(options.heartbeatTimeoutMs !== undefined && { heartbeatTimeoutMs: options.heartbeatTimeoutMs }),
    ...(options.stopDeadlineMs !== undefined && { stopDeadlineMs: options.stopDeadlineMs }),
  });
  const datasets = new DatasetService({
    db,
    statements,
    jobs,
    cacheDir: join(options.dataDir, 'cache'),
    derivedRoot: join(options.dataDir, 'derived'),
    onChanged: (datasetId) => events.emit('dataset:changed', { datasetId }),
  });
  const derived = new DerivedService({
    db,
    statements,
    jobs,
    datasets,
    dataDir: options.dataDir,
    onChanged: (datasetId) => events.emit('dataset:changed', { datasetId }),
  });
  const revisions = new RevisionService({
    db,
    statements,
    jobs,
    dataDir: options.dataDir,
    cacheDir: join(options.dataDir, 'cache'),
    onChanged: (datasetId) => events.emit('dataset:changed', { datasetId }),
  });
  const duplicates = new DuplicateService({ db, statements, jobs, onChanged: (datasetId) => events.emit('dataset:changed', { datasetId }) });
  const runs = new RunService({ db, statements, jobs, dataDir: options.dataDir, onChanged: (run) => events.emit('run:update', run) });
  const predictions = new PredictionService({ db, statements, jobs, runs });
  const modelExports = new ModelExportService({ statements, jobs, runs });
  const modelImports = new ModelImportService({ statements, jobs, dataDir: options.dataDir, onChanged: (run) => events.emit('run:update', run) });
  const evaluations = new EvaluationService({ db, statements, jobs, runs, onChanged: () => events.emit('evals:changed', {}) });
  const pseudo = new PseudoLabelService({
    db,
    statements,
    jobs,
    runs,
    predictions,
    derived,
    dataDir: options.dataDir,
    onChanged: () => events.emit('pseudo:changed', {}),
  });
  const labelErrors = new LabelErrorService({
    db,
    statements,
    jobs,
    runs,
    revisions,
    dataDir: options.dataDir,
    onChanged: (datasetId) => events.emit('dataset:changed', { datasetId }),
  });
  const weights = new WeightsService(options.dataDir, (download) => events.emit('weights:changed', download));
  const samples = new SampleDatasets(jobs, datasets, statements, options.dataDir, options.logger);
  const swept = sweepDeadTempCheckpoints(join(options.dataDir, 'runs'));
  if (swept > 0) options.logger.warn(`[runs] removed ${swept} temp checkpoint folder(s) left by engines that are gone`);
  const recovered = jobs.recoverInterrupted();
  if (recovered > 0) options.logger.warn(`[jobs] marked ${recovered} interrupted job(s) failed`);
  const holder = jobs.ownsQueue ? null : jobs.queueHolder();
  if (holder) options.logger.warn(`[jobs] ${holder} runs this data directory's jobs; this one shows them live and queues new ones there.`);

  const handlers = createHandlers({
    mode: options.mode,
    dataDir: options.dataDir,
    dbPath,
    db,
    statements,
    events,
    settings,
    jobs,
    datasets,
    derived,
    revisions,
    duplicates,
    runs,
    predictions,
    modelExports,
    modelImports,
    evaluations,
    pseudo,
    labelErrors,
    weights,
  });

  let closed = false;
  const dispatch = createDispatcher(handlers, options.logger);
  return {
    dataDir: options.dataDir,
    db,
    events,
    jobs,
    datasets,
    samples,
    runs,
    predictions,
    modelExports,
    modelImports,
    revisions,
    files: createFileResolver(statements, options.dataDir),
    dispatch,
    api: createMemoryClient({ dispatch, events }),
    async close() {
      if (closed) return;
      closed = true;
      await weights.close();
      await jobs.close();
      db.close();
    },
  };
}
