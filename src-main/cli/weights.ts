import { parseArgs } from 'node:util';
import { ApiError } from '../../src-shared/errors';
import { formatDuration } from '../../src-shared/jobs';
import { resolveDataDir } from '../services/data-dir';
import { catalogueNames } from '../weights/catalogue';
import { DownloadStopped } from '../weights/download';
import { importWeights } from '../weights/import-weights';
import { pullWeights } from '../weights/pull';
import type { TransferProgress } from '../weights/transfer-clock';
import { WeightsCache } from '../weights/weights-cache';
import type { CachedWeights } from '../weights/weights-cache';

/**
 * `segbench weights pull NAME | import FILE [--name NAME] | list`: pretrained encoder weights in the
 * data directory's cache. None of them opens the database, so they run beside the app or a
 * training run on the same data directory.
 */

interface CommandIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Stops a pull (Ctrl+C); the part on disk stays for the next pull. */
  signal?: AbortSignal;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** A bar redrawn in place on a TTY, a line every 10% otherwise (logs), on stderr so --json stays clean. */
function bytesProgressPrinter(label: string, stream: CommandIo['err']): (progress: TransferProgress) => void {
  let lastDecile = -1;
  const tty = 'isTTY' in stream && stream.isTTY;
  return ({ done, total, bytesPerSecond, etaSeconds }) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const pace = bytesPerSecond === null ? '' : `, ${mb(bytesPerSecond)}/s`;
    const eta = etaSeconds === null || done >= total ? '' : `, ${formatDuration(etaSeconds)} left`;
    const text = `${label} ${mb(done)} of ${mb(total)}${pace}${eta}`;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}   `);
      if (done >= total) stream.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${text}\n`);
    }
  };
}

function describe(weights: CachedWeights): string {
  const origin = weights.source === 'hub' ? `pulled from ${weights.from}` : `imported from ${weights.from}${weights.repo ? ` as ${weights.repo}` : ''}`;
  return `${weights.name}  ${weights.repo ?? '(tag not known)'}  ${mb(weights.size)}\n  sha256 ${weights.sha256}\n  ${weights.path}\n  ${origin}, ${weights.addedAt}`;
}

const commonOptions = { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

async function pull(args: string[], io: CommandIo): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: commonOptions, allowPositionals: true, strict: true });
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new ApiError('VALIDATION', `segbench weights pull takes one name: ${catalogueNames().join(', ')}.`);
  const cache = new WeightsCache(resolveDataDir({ flag: values['data-dir'] }));
  try {
    const result = await pullWeights(cache, name, {
      onProgress: bytesProgressPrinter(`pulling ${name}`, io.err),
      ...(io.signal && { signal: io.signal }),
      commandSuffix: values['data-dir'] ? ` --data-dir ${JSON.stringify(values['data-dir'])}` : '',
    });
    if (values.json) {
      io.out.write(
        `${JSON.stringify({ ...result.weights, alreadyCached: result.alreadyCached, resumedFrom: result.resumedFrom, hubProblem: result.hubProblem })}\n`,
      );
      return;
    }
    if (result.hubProblem) io.err.write(`The hub could not be asked (${result.hubProblem}); the cached copy is used.\n`);
    const how = result.alreadyCached
      ? 'already cached'
      : result.resumedFrom > 0
        ? `downloaded (resumed at ${mb(result.resumedFrom)}), size and sha256 checked`
        : 'downloaded, size and sha256 checked';
    io.out.write(`${how}:\n${describe(result.weights)}\n`);
  } catch (error) {
    if (error instanceof DownloadStopped) {
      throw new ApiError('CONFLICT', `Stopped. ${mb(error.kept)} are kept in ${cache.partialDir}; the same command resumes from there.`);
    }
    if (io.signal?.aborted && !(error instanceof ApiError)) throw new ApiError('CONFLICT', 'Stopped before the download began; nothing was written.');
    throw error;
  }
}

async function importCommand(args: string[], io: CommandIo): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { ...commonOptions, name: { type: 'string' } }, allowPositionals: true, strict: true });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0)
    throw new ApiError('VALIDATION', 'segbench weights import takes one file: segbench weights import FILE.safetensors [--name NAME].');
  const cache = new WeightsCache(resolveDataDir({ flag: values['data-dir'] }));
  const result = await importWeights(cache, file, values.name ? { name: values.name } : {});
  if (values.json) {
    io.out.write(`${JSON.stringify({ ...result.weights, alreadyCached: result.alreadyCached })}\n`);
    return;
  }
  io.out.write(`${result.alreadyCached ? 'already cached' : 'imported, header and tensors checked'}:\n${describe(result.weights)}\n`);
}

async function list(args: string[], io: CommandIo): Promise<void> {
  const { values } = parseArgs({ args, options: commonOptions, strict: true });
  const cache = new WeightsCache(resolveDataDir({ flag: values['data-dir'] }));
  const { weights, unreadable } = await cache.list();
  for (const problem of unreadable) io.err.write(`skipped ${problem}\n`);
  if (values.json) {
    io.out.write(`${JSON.stringify(weights)}\n`);
    return;
  }
  if (weights.length === 0) {
    io.out.write(
      `No weights in ${cache.root} yet. segbench weights pull NAME downloads them (${catalogueNames().join(', ')}); segbench weights import FILE adds a file.\n`,
    );
    return;
  }
  io.out.write(`${weights.map(describe).join('\n')}\n`);
}

export async function weightsCommand(args: string[], io: CommandIo = { out: process.stdout, err: process.stderr }): Promise<void> {
  const [action, ...rest] = args;
  switch (action) {
    case 'pull': {
      if (io.signal) return pull(rest, io);
      // Ctrl+C stops the transfer cleanly: the part stays and the lock is released.
      const controller = new AbortController();
      const stop = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      try {
        return await pull(rest, { ...io, signal: controller.signal });
      } finally {
        process.off('SIGINT', stop);
      }
    }
    case 'import':
      return importCommand(rest, io);
    case 'list':
      return list(rest, io);
    default:
      throw new ApiError(
        'VALIDATION',
        `${action === undefined ? 'segbench weights needs an action' : `Unknown weights action "${action}"`}. Valid: pull NAME, import FILE [--name NAME], list.`,
      );
  }
}
