import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError } from '../../src-shared/errors';
import type { Job, JobKind } from '../../src-shared/jobs';
import { summarize } from '../../src-shared/metrics';
import { fileSizeText, modelExportFormats } from '../../src-shared/model-export';
import { predictionEncodings } from '../../src-shared/training';
import type { PredictionEncoding } from '../../src-shared/training';
import type { AppServices } from '../services/app-services';
import { openServices } from './open-services';
import { progressPrinter } from './progress';
import { resultOf } from '../jobs/job-service';
import type { TypedJob } from '../jobs/job-service';
import { findRun } from './lookup';

async function finish<K extends JobKind>(services: AppServices, kind: K, job: Job, label: string): Promise<TypedJob<K>> {
  const print = progressPrinter(label);
  const unsubscribe = services.events.onAny((event, payload) => {
    if (event === 'job:update' && (payload as Job).id === job.id) print(payload as Job);
  });
  const done = await services.jobs.whenDoneOf(kind, job.id);
  unsubscribe();
  if (done.status !== 'finished') throw new ApiError('ENGINE', `${label} did not finish: ${done.reason ?? done.status}`);
  return done;
}

const checkpointOf = (text: string | undefined): 'best' | 'last' => {
  if (text === undefined || text === 'best' || text === 'last') return text ?? 'best';
  throw new ApiError('VALIDATION', `--checkpoint must be best or last; got "${text}".`);
};

/** `segbench eval --run ID [--split val|test] [--checkpoint best|last] [--json]` */
export async function evalCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { run: { type: 'string' }, split: { type: 'string' }, checkpoint: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  if (!values.run) throw new ApiError('VALIDATION', '--run ID is required (the id `segbench train` printed).');
  const split = values.split ?? 'val';
  if (split !== 'val' && split !== 'test') throw new ApiError('VALIDATION', `--split must be val or test; got "${split}".`);
  const services = openServices(values['data-dir']);
  try {
    const runId = await findRun(services, values.run);
    const detail = await services.api.invoke('runs:get', { runId });
    const started = await services.api.invoke('runs:evaluate', { runId, split, checkpoint: checkpointOf(values.checkpoint) });
    const job = await finish(services, 'eval', started, 'evaluating');
    const result = resultOf(job);
    const summary = summarize(result.counts);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ runId: detail.id, split, miou: summary.miou, accuracy: summary.accuracy, loss: result.loss, perClass: Object.fromEntries(detail.classNames.map((n, i) => [n, summary.perClass[i]])) }, null, 2)}\n`,
      );
      return;
    }
    const f = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));
    const lines = [`Run ${detail.id} on the ${split} split: mIoU ${f(summary.miou)}, accuracy ${f(summary.accuracy)}, loss ${f(result.loss)}`];
    detail.classNames.forEach((name, i) => lines.push(`  ${name.padEnd(18)} IoU ${f(summary.perClass[i]?.iou)}  F1 ${f(summary.perClass[i]?.f1)}`));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await services.close();
  }
}

/** `segbench predict --run ID --images DIR --out DIR [--checkpoint best|last]` */
export async function predictCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      run: { type: 'string' },
      images: { type: 'string' },
      out: { type: 'string' },
      checkpoint: { type: 'string' },
      encoding: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  if (!values.run || !values.images || !values.out) throw new ApiError('VALIDATION', '--run ID, --images DIR and --out DIR are required.');
  const encoding = values.encoding ?? 'mask-values';
  if (!(predictionEncodings as readonly string[]).includes(encoding)) {
    throw new ApiError(
      'VALIDATION',
      `--encoding ${encoding} is not one of ${predictionEncodings.join(', ')} (mask-values, the dataset's own mask values, is the default).`,
    );
  }
  const services = openServices(values['data-dir']);
  try {
    const started = await services.api.invoke('runs:predictFolder', {
      runId: await findRun(services, values.run),
      imagesDir: resolve(values.images),
      outDir: resolve(values.out),
      checkpoint: checkpointOf(values.checkpoint),
      encoding: encoding as PredictionEncoding,
    });
    const job = await finish(services, 'predict', started, 'predicting');
    const result = resultOf(job);
    process.stdout.write(`Wrote ${result.written} prediction(s) to ${resolve(values.out)}: ${describeEncoding(job.params)}.\n`);
    for (const s of result.skipped) process.stdout.write(`  skipped ${s.image}: ${s.message}\n`);
    if (result.written === 0) {
      process.stderr.write('segbench: no prediction was written: every image was skipped (see above).\n');
      process.exitCode = 1;
    }
  } finally {
    await services.close();
  }
}

/** What a folder prediction wrote, in words, from its job's parameters. */
function describeEncoding(params: { encoding: PredictionEncoding; maskValues?: { rgb: boolean } | undefined; config?: { inputChannels?: unknown } }): string {
  if (params.encoding === 'palette') return '<name>_color.png in the class colours (encoding palette)';
  const ext = params.config?.inputChannels ? ".tif (GeoTIFF with the input's CRS and transform; PNG for non-GeoTIFF inputs)" : '.png';
  if (params.encoding === 'class-index') return `<name>_index${ext} with class indices 0..n-1 and <name>_color.png (encoding class-index)`;
  return `<name>_mask${ext} in the dataset's own mask values (${params.maskValues?.rgb ? 'RGB palette colours' : 'index values'}) and <name>_color.png (encoding mask-values)`;
}

/** `segbench export --run ID --out FILE.onnx [--checkpoint best|last] [--format onnx] [--json]` */
export async function exportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      run: { type: 'string' },
      out: { type: 'string' },
      checkpoint: { type: 'string' },
      format: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.run || !values.out) throw new ApiError('VALIDATION', '--run ID and --out FILE.onnx are required.');
  const format = values.format ?? 'onnx';
  if (!(modelExportFormats as readonly string[]).includes(format))
    throw new ApiError('VALIDATION', `--format ${format} is not supported; valid: ${modelExportFormats.join(', ')}.`);
  const services = openServices(values['data-dir']);
  try {
    const started = await services.api.invoke('runs:export', {
      runId: await findRun(services, values.run),
      checkpoint: checkpointOf(values.checkpoint),
      format: 'onnx',
      outPath: resolve(values.out),
    });
    const result = resultOf(await finish(services, 'export-model', started, 'exporting'));
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const { meta } = result;
    process.stdout.write(
      `Exported run "${meta.run.name}" (${meta.checkpoint} checkpoint, epoch ${meta.epoch ?? '-'}) to ${result.path} (${fileSizeText(result.bytes)}, ONNX opset ${meta.opset}); metadata in ${result.sidecar}.\n` +
        `  input "image": float32 [batch, height, width, ${meta.channels}] (NHWC), each channel (value - mean) / std with mean ${fmtList(meta.normalization?.mean)} and std ${fmtList(meta.normalization?.std)}; height and width multiples of ${meta.stride}\n` +
        `  output "logits": float32 [batch, height, width, ${meta.classes.length}] (NHWC): ${meta.classes.map((c) => c.name).join(', ')}\n`,
    );
  } finally {
    await services.close();
  }
}

const fmtList = (values: readonly number[] | undefined): string => (values ? `[${values.map((v) => v.toFixed(2)).join(', ')}]` : '-');
