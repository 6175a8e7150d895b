import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EncoderName } from '../../src-shared/encoders';
import { channelsFromText } from '../../src-shared/bands';
import { parseArgs } from 'node:util';
import { ApiError } from '../../src-shared/errors';
import { summarize } from '../../src-shared/metrics';
import { runConfigSchema } from '../../src-shared/run-config';
import type { RunConfigInput } from '../../src-shared/run-config';
import { describeIssues } from '../../src-shared/request-errors';
import { z } from '../../src-shared/zod';
import type { RunDetail, RunSummary } from '../../src-shared/runs';
import { openServices } from './open-services';
import { progressPrinter } from './progress';
import { findDataset, findRun } from './lookup';

const fmt = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined ? '-' : value.toFixed(digits));

/** The end-of-run summary: run id, status, best epoch, mIoU and per-class IoU at the best epoch. */
function formatRunSummary(detail: RunDetail): string {
  const lines = [`Run ${detail.id} "${detail.name}": ${detail.status}${detail.reason ? ` (${detail.reason})` : ''}`];
  lines.push(`  ${detail.model} on ${detail.backend ?? '?'} (${detail.device ?? '?'}), ${detail.epochsDone} of ${detail.epochs} epochs`);
  const best = detail.epochHistory.find((e) => e.epoch === detail.bestEpoch);
  if (!best) return lines.concat('  no validated epoch yet').join('\n');
  const summary = summarize(best.counts);
  lines.push(`  best epoch ${best.epoch}: mIoU ${fmt(summary.miou)}, accuracy ${fmt(summary.accuracy)}, val loss ${fmt(best.valLoss, 4)}`);
  detail.classNames.forEach((name, i) => {
    const c = summary.perClass[i];
    lines.push(`    ${name.padEnd(18)} IoU ${fmt(c?.iou)}  F1 ${fmt(c?.f1)}  precision ${fmt(c?.precision)}  recall ${fmt(c?.recall)}`);
  });
  return lines.join('\n');
}

const int = (flag: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new ApiError('VALIDATION', `${flag} must be a whole number; got "${text}".`);
  return value;
};

const names = (text: string): string[] =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);

const share = (flag: string, text: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ApiError('VALIDATION', `${flag} must be a share between 0 and 1 (e.g. 0.05 for 5%); got "${text}".`);
  return value;
};

/**
 * A JSON file the user wrote, parsed with its schema; throws what is wrong in the schema's words
 * (callers say which file). The API checks the request it becomes again, as it checks any request.
 */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(describeIssues(parsed.error.issues, value, schema));
  return parsed.data;
}

/** The class matrix file's shape; its values and sums are checked with the rest of the launch. */
const matrixFileSchema = z.array(z.array(z.number()));

function readMatrix(path: string): number[][] {
  try {
    return readJsonFile(path, matrixFileSchema);
  } catch (error) {
    throw new ApiError(
      'VALIDATION',
      `Cannot read the class matrix ${path}: ${(error as Error).message}. It is a JSON array with one row per teacher class, e.g. [[1,0,0],[0,0.7,0.3]].`,
    );
  }
}

/**
 * `segbench train --dataset NAME [--model M] [--encoder E [--encoder-weights imagenet]] [--pretrained FILE] [--epochs N] [--size S] [--batch B] [--config FILE] [--resume RUN] [--json]`
 * Recipes: `--replicate "Water,Building" [--replicate-share 0.05] [--replicate-times 2]`,
 * `--minority-crops "Water" [--minority-share 0.7]`; distillation: `--distill-from RUN [--distill-alpha 0.7]
 * [--distill-temperature 2] [--distill-matrix FILE]` (a JSON array, one row per teacher class); hard-sample weights via the config file's
 * `sampler: { "weightsFromRun": RUN }`.
 */
export async function trainCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      model: { type: 'string' },
      encoder: { type: 'string' },
      'encoder-weights': { type: 'string' },
      pretrained: { type: 'string' },
      epochs: { type: 'string' },
      size: { type: 'string' },
      batch: { type: 'string' },
      backend: { type: 'string' },
      replicate: { type: 'string' },
      'replicate-share': { type: 'string' },
      'replicate-times': { type: 'string' },
      'minority-crops': { type: 'string' },
      'minority-share': { type: 'string' },
      bands: { type: 'string' },
      index: { type: 'string', multiple: true },
      'distill-from': { type: 'string' },
      'distill-alpha': { type: 'string' },
      'distill-temperature': { type: 'string' },
      'distill-matrix': { type: 'string' },
      config: { type: 'string' },
      resume: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const services = openServices(values['data-dir']);
  const { api } = services;
  try {
    let run: RunSummary;
    if (values.resume) {
      run = await api.invoke('runs:resume', { runId: await findRun(services, values.resume) });
    } else {
      if (!values.dataset) throw new ApiError('VALIDATION', '--dataset NAME is required (or --resume RUN to continue a run).');
      let fromFile: Partial<RunConfigInput> = {};
      if (values.config) {
        try {
          fromFile = readJsonFile(values.config, runConfigSchema.partial());
        } catch (error) {
          throw new ApiError('VALIDATION', `Cannot read the config file ${values.config}: ${(error as Error).message}`);
        }
      }
      const config: RunConfigInput = {
        ...fromFile,
        datasetId: await findDataset(services, values.dataset),
        ...(values.model !== undefined && { model: values.model as RunConfigInput['model'] }),
        ...(values.encoder !== undefined && { modelOptions: { ...fromFile.modelOptions, encoder: values.encoder as EncoderName } }),
        ...(values['encoder-weights'] !== undefined && { encoderWeights: values['encoder-weights'] }),
        ...(values.pretrained !== undefined && { pretrainedWeights: resolve(values.pretrained) }),
        ...(values.epochs !== undefined && { epochs: int('--epochs', values.epochs) }),
        ...(values.size !== undefined && { inputSize: int('--size', values.size) }),
        ...(values.batch !== undefined && { batchSize: int('--batch', values.batch) }),
        ...(values.backend !== undefined && { backend: values.backend as RunConfigInput['backend'] }),
        ...(values.replicate !== undefined && {
          replicate: {
            classes: names(values.replicate),
            ...(values['replicate-share'] !== undefined && { minShare: share('--replicate-share', values['replicate-share']) }),
            ...(values['replicate-times'] !== undefined && { times: int('--replicate-times', values['replicate-times']) }),
          },
        }),
        ...(values['minority-crops'] !== undefined && {
          minorityCrops: {
            classes: names(values['minority-crops']),
            ...(values['minority-share'] !== undefined && { share: share('--minority-share', values['minority-share']) }),
          },
        }),
      };
      if (values.bands !== undefined || values.index !== undefined) {
        const layout = services.datasets.get(config.datasetId).bands;
        if (!layout)
          throw new ApiError('VALIDATION', `--bands and --index apply to multispectral GeoTIFF datasets; dataset "${values.dataset}" has RGB images.`);
        try {
          config.inputChannels = channelsFromText(values.bands, values.index ?? [], layout.names);
        } catch (error) {
          throw new ApiError('VALIDATION', `${values.bands !== undefined ? '--bands/' : ''}--index: ${(error as Error).message}.`);
        }
      }
      if (values['distill-from'] !== undefined) {
        config.distill = {
          teacherRunId: await findRun(services, values['distill-from']),
          ...(values['distill-alpha'] !== undefined && { alpha: share('--distill-alpha', values['distill-alpha']) }),
          ...(values['distill-temperature'] !== undefined && { temperature: Number(values['distill-temperature']) }),
          ...(values['distill-matrix'] !== undefined && { matrix: readMatrix(values['distill-matrix']) }),
        };
      }
      run = await api.invoke('runs:start', config);
    }
    const log = (text: string): void => void process.stderr.write(`${text}\n`);
    log(`Run ${run.id} "${run.name}" queued.`);
    if (!services.jobs.ownsQueue)
      log(`${services.jobs.queueHolder() ?? 'Another SegBench process'} runs this data directory's jobs; it trains this run, and this command follows it.`);
    const print = progressPrinter('training');
    let epochsShown = 0;
    // Epoch lines in order: each run update reads the run once the previous read has printed.
    let printing = Promise.resolve();
    const showEpochs = async (): Promise<void> => {
      const detail = await api.invoke('runs:get', { runId: run.id });
      for (const e of detail.epochHistory.filter((x) => x.epoch > epochsShown)) {
        log(
          `epoch ${e.epoch}/${detail.epochs}: train loss ${fmt(e.trainLoss, 4)}, val loss ${fmt(e.valLoss, 4)}, mIoU ${fmt(e.miou)}${e.isBest ? ' (best)' : ''}, ${fmt(e.imagesPerSecond, 1)} img/s, data wait ${fmt((e.dataWait ?? 0) * 100, 1)}%, ${fmt(e.seconds, 1)} s`,
        );
        epochsShown = e.epoch;
      }
    };
    const stopJobs = api.on('job:update', (job) => {
      if (job.id === run.jobId) print(job);
    });
    const stopRuns = api.on('run:update', (summary) => {
      if (summary.id === run.id) printing = printing.then(showEpochs, showEpochs);
    });
    const interrupt = (): void => {
      log(`\nStopping; continue later with: segbench train --resume ${run.id}`);
      void api.invoke('runs:stop', { runId: run.id }).catch(() => undefined);
    };
    process.once('SIGINT', interrupt);
    if (run.jobId) await services.jobs.whenDone(run.jobId);
    process.off('SIGINT', interrupt);
    stopJobs();
    stopRuns();
    await printing;
    await showEpochs();
    const detail = await api.invoke('runs:get', { runId: run.id });
    process.stdout.write(values.json ? `${JSON.stringify(jsonSummary(detail), null, 2)}\n` : `${formatRunSummary(detail)}\n`);
    if (detail.status !== 'finished') process.exitCode = 1;
  } finally {
    await services.close();
  }
}

function jsonSummary(detail: RunDetail) {
  const best = detail.epochHistory.find((e) => e.epoch === detail.bestEpoch);
  const summary = best ? summarize(best.counts) : null;
  return {
    runId: detail.id,
    status: detail.status,
    reason: detail.reason,
    backend: detail.backend,
    epochs: detail.epochsDone,
    bestEpoch: detail.bestEpoch,
    miou: summary?.miou ?? null,
    perClassIou: Object.fromEntries(detail.classNames.map((name, i) => [name, summary?.perClass[i]?.iou ?? null])),
  };
}
