import { parseArgs } from 'node:util';
import { basename, join, resolve } from 'node:path';
import { ApiError } from '../../src-shared/errors';
import type { AppServices } from '../services/app-services';
import { defaultSampleOptions } from '../datasets/sample-dataset';
import { openServices } from './open-services';
import { progressPrinter } from './progress';
import { formatImportReport, unusableAdvice } from './report';

/**
 * Waits for this command's job (or, without one, every queued job) with a progress line; Ctrl+C
 * stops the running job cleanly. Waiting on its own job, an import beside a running `segbench
 * serve` ends when its indexing does, not when the other process's training queue does.
 */
async function runJobs(services: AppServices, label: string, jobId?: string | null): Promise<void> {
  const print = progressPrinter(label);
  const unsubscribe = services.events.onAny((event, payload) => {
    if (event === 'job:update') print(payload as Parameters<typeof print>[0]);
  });
  const interrupt = (): void => {
    process.stderr.write('\nStopping: what was indexed so far is kept; `segbench import` again resumes.\n');
    void services.jobs.close();
  };
  process.once('SIGINT', interrupt);
  if (jobId) await services.jobs.whenDone(jobId);
  else await services.jobs.whenIdle();
  process.off('SIGINT', interrupt);
  unsubscribe();
}

/** `segbench import --images DIR [--masks DIR] --name NAME [--preset P] [--data-dir D] [--json]` */
export async function importCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      images: { type: 'string' },
      masks: { type: 'string' },
      name: { type: 'string' },
      preset: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.images) throw new ApiError('VALIDATION', '--images DIR is required: the folder of images (and masks, when they share it).');
  const request = {
    name: values.name ?? basename(resolve(values.images, values.images.endsWith('images') ? '..' : '.')),
    imagesDir: values.images,
    ...(values.masks !== undefined && { masksDir: values.masks }),
    preset: values.preset ?? 'auto',
  };
  const services = openServices(values['data-dir']);
  try {
    const { api } = services;
    const existing = (await api.invoke('datasets:list', {})).find((d) => d.name.toLowerCase() === request.name.toLowerCase());
    const summary = existing ? await api.invoke('datasets:reindex', { datasetId: existing.id }) : await api.invoke('datasets:import', request);
    if (existing && !values.json) process.stderr.write(`"${existing.name}" exists: re-indexing new and changed files only.\n`);
    await runJobs(services, 'indexing', summary.indexJobId);
    const detail = await api.invoke('datasets:get', { datasetId: summary.id });
    process.stdout.write(values.json ? `${JSON.stringify(detail, null, 2)}\n` : `${formatImportReport(detail)}\n`);
    // The JSON holds the problems; the one line of why goes beside it.
    if (values.json && detail.state === 'unusable') process.stderr.write(`${unusableAdvice(detail)}\n`);
    if (detail.state !== 'ready') process.exitCode = 1;
  } finally {
    await services.close();
  }
}

/** `segbench sample [--data-dir D] [--count N] [--size S] [--seed K] [--json]` */
export async function sampleCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      count: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      multispectral: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const multispectral = values.multispectral ?? false;
  // The multispectral sample follows the kelp challenge's tiles: 350x350, fewer of them.
  const size = intOption('--size', values.size, multispectral ? 350 : defaultSampleOptions.size, 32, 2048);
  const countDefault = multispectral ? 60 : defaultSampleOptions.count;
  const count = intOption('--count', values.count, countDefault, 1, 20_000);
  const seed = intOption('--seed', values.seed, defaultSampleOptions.seed, 0, 2 ** 31 - 1);
  const services = openServices(values['data-dir']);
  try {
    const since = new Date().toISOString();
    const outDir = join(services.dataDir, multispectral ? 'sample-multispectral' : 'sample');
    const { job, imported } = services.samples.create({ count, size, seed, kind: multispectral ? 'multispectral' : 'land-cover' }, outDir);
    await runJobs(services, 'generating', job.id);
    const generated = services.jobs.get(job.id);
    if (generated.status !== 'finished') throw new ApiError('ENGINE', `Generating the sample did not finish: ${generated.reason ?? generated.status}.`);
    // When another process runs this data directory's jobs, that process imports the sample.
    const datasetId = services.jobs.ownsQueue ? await imported : await importedElsewhere(services, join(outDir, 'images'), since);
    await runJobs(services, 'indexing');
    await indexed(services, datasetId);
    const detail = services.datasets.get(datasetId);
    process.stdout.write(values.json ? `${JSON.stringify(detail, null, 2)}\n` : `${formatImportReport(detail)}\n`);
  } finally {
    await services.close();
  }
}

/** The dataset another process imported from `imagesDir` since `since` (the queue owner imports a generated sample). */
async function importedElsewhere(services: AppServices, imagesDir: string, since: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const found = services.datasets.list().find((d) => d.createdAt >= since && services.datasets.get(d.id).imagesDir === imagesDir);
    if (found) return found.id;
    if (Date.now() > deadline)
      throw new ApiError(
        'ENGINE',
        `The sample was generated in ${imagesDir}, but the process running the jobs did not import it within 2 minutes; import it with segbench import.`,
      );
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** Waits until the dataset's indexing has ended, in whichever process runs it. */
async function indexed(services: AppServices, datasetId: string): Promise<void> {
  while (services.datasets.get(datasetId).state === 'indexing') await new Promise((done) => setTimeout(done, 200));
}

function intOption(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError('VALIDATION', `${flag} must be a whole number from ${min} to ${max}; got "${text}".`);
  }
  return value;
}
