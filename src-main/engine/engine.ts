import { assertNever, engineHeartbeatIntervalMs } from '../../src-shared/engine-protocol';
import type { MainToEngine } from '../../src-shared/engine-protocol';
import { toApiError } from '../../src-shared/errors';
import type { JobKind } from '../../src-shared/jobs';
import { parseJobParams } from '../../src-shared/job-kinds';
import type { JobParams, JobResult } from '../../src-shared/job-kinds';
import { connectToMain } from './channel';
import { JobCancelled } from './job-context';
import type { JobContext } from './job-context';
import { runDiagnostic } from './diagnostic';
import { runIndexJob } from './index/index-job';
import { runSampleJob } from './synthetic/sample-job';
import { runTrainJob } from './train/train-job';
import { runCheckpointScoreJob } from './eval/checkpoint-score-job';
import { runPredictJob } from './eval/predict-job';
import { runEstimateJob } from './train/estimate-job';
import { runModelExportJob } from './export/model-export-job';
import { runImportModelJob } from './onnx/external-model';
import { runExportJob } from './export/export-job';
import { runEvaluationJob } from './eval/evaluation-job';
import { runHashJob } from './duplicates/hash-job';
import { runDeriveJob } from './derive/derive-job';
import { runLabelErrorJob } from './label-errors/label-error-job';

/**
 * Entry point of the engine process: plain Node, no electron import, no database. It runs one job
 * per process, streams events to main, and exits when the job ends or main goes away.
 */
type JobRunner<K extends JobKind> = (params: JobParams<K>, context: JobContext) => Promise<JobResult<K>>;

const jobRunners: { [K in JobKind]: JobRunner<K> } = {
  diagnostic: runDiagnostic,
  index: runIndexJob,
  sample: runSampleJob,
  train: runTrainJob,
  eval: runCheckpointScoreJob,
  predict: runPredictJob,
  estimate: runEstimateJob,
  export: runExportJob,
  evaluate: runEvaluationJob,
  hash: runHashJob,
  derive: runDeriveJob,
  'label-errors': (params, context) => runLabelErrorJob(params, context),
  'export-model': runModelExportJob,
  'import-model': runImportModelJob,
};

const channel = connectToMain();
const controller = new AbortController();
let started = false;

const heartbeat = setInterval(() => void channel.post({ type: 'heartbeat', at: Date.now() }), engineHeartbeatIntervalMs);

channel.onDisconnect(() => process.exit(1));
channel.onMessage((message: MainToEngine) => {
  switch (message.type) {
    case 'start':
      if (started) return;
      started = true;
      void runJob(message.job.kind, message.job.params);
      return;
    case 'cancel':
      controller.abort();
      if (!started) void end({ type: 'cancelled' });
      return;
    default:
      assertNever(message, 'main message');
  }
});

async function runJob<K extends JobKind>(kind: K, raw: unknown): Promise<void> {
  if (!Object.hasOwn(jobRunners, kind)) {
    await end({ type: 'failed', error: { code: 'ENGINE', message: `The engine has no job kind "${String(kind)}".` } });
    return;
  }
  // The job's parameters are parsed here, once, with the schema of its kind (src-shared/job-kinds).
  const parsed = parseJobParams(kind, raw);
  if (!parsed.ok) {
    await end({ type: 'failed', error: { code: 'VALIDATION', message: parsed.message } });
    return;
  }
  const runner: JobRunner<K> = jobRunners[kind];
  const context: JobContext = {
    signal: controller.signal,
    progress: (done, total, text, etaSeconds) =>
      void channel.post({ type: 'progress', done, total, message: text, ...(etaSeconds !== undefined && { etaSeconds }) }),
    log: (level, text) => void channel.post({ type: 'log', level, message: text }),
    emit: (payload) => void channel.post({ type: 'data', payload }),
  };
  try {
    const result = await runner(parsed.params, context);
    await end({ type: 'finished', result });
  } catch (error) {
    if (error instanceof JobCancelled) await end({ type: 'cancelled' });
    else await end({ type: 'failed', error: toApiError(error).toJSON() });
  }
}

async function end(message: Parameters<typeof channel.post>[0]): Promise<void> {
  clearInterval(heartbeat);
  await channel.post(message);
  process.exit(0);
}

void channel.post({ type: 'ready', pid: process.pid, nodeVersion: process.version });
