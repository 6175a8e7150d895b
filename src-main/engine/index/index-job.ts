import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { mkdir } from 'node:fs/promises';
import type { IndexedImage } from '../../../src-shared/indexing';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import { indexImage } from './index-image';

/** Pairs in flight at once: sharp decodes on its own threads, so a few overlap well on 2 cores. */
const concurrency = 4;
const batchSize = 64;
const batchIntervalMs = 250;

/**
 * The `index` job: indexes every pair and streams results to main in batches (main stores them;
 * the engine never writes the database). A cancelled job has sent everything it finished, so a
 * resume only redoes what is missing.
 */
export async function runIndexJob(params: JobParams<'index'>, context: JobContext): Promise<JobResult<'index'>> {
  await mkdir(params.thumbDir, { recursive: true });
  const total = params.items.length;
  let next = 0;
  let done = 0;
  let problems = 0;
  let pending: IndexedImage[] = [];
  let lastFlush = Date.now();

  const flush = (): void => {
    if (pending.length === 0) return;
    context.emit({ kind: 'indexed', images: pending });
    context.progress(done, total, `indexed ${done} of ${total} images`);
    pending = [];
    lastFlush = Date.now();
  };

  const worker = async (): Promise<void> => {
    while (next < total && !context.signal.aborted) {
      const item = params.items[next];
      next += 1;
      if (!item) continue;
      const result = await indexImage(item, params.thumbDir, params.thumbSize);
      done += 1;
      if (!result.ok) problems += 1;
      pending.push(result);
      if (pending.length >= batchSize || Date.now() - lastFlush >= batchIntervalMs) flush();
    }
  };
  context.progress(0, total, `indexing ${total} images`);
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, total)) }, worker));
  flush();
  throwIfCancelled(context.signal);
  return { indexed: done - problems, problems };
}
