import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../src-shared/errors';
import { hubRequest, networkFailure } from './hub';
import { TransferClock } from './transfer-clock';
import type { TransferProgress } from './transfer-clock';

/**
 * A resumable, verified download into a `.part` file, as huggingface_hub's `http_get` does it: a
 * part already on disk is continued with `Range: bytes=N-` (206 and its Content-Range checked
 * against the part and the size the hub gave); a server that ignores the range (200) restarts the
 * file from zero; a connection lost mid-body is resumed from what arrived, a few times in a row
 * without progress at most. The sha256 is computed as the bytes are written (a resume first reads
 * the part back), and a part whose size or sha256 differs from the hub's is deleted, so what stays
 * on disk is either a prefix of the right file or nothing.
 */

export interface PartDownload {
  /** Where the bytes are (the CDN URL). */
  location: string;
  part: string;
  size: number;
  sha256: string;
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** Asks the hub again for the location before a retry: CDN URLs are signed and expire. */
  refreshLocation?: () => Promise<string>;
  /** A connection that sends nothing for this long is dropped and resumed. */
  idleTimeoutMs?: number;
  /** Attempts in a row that bring no new byte before giving up. */
  retries?: number;
  retryDelayMs?: number;
  now?: () => number;
}

/** The download was stopped by its signal; what arrived stays in the part for the next try. */
export class DownloadStopped extends Error {
  constructor(readonly kept: number) {
    super(`The download was stopped with ${kept} bytes kept.`);
    this.name = 'DownloadStopped';
  }
}

/** A server that sends something else than the hub described: retrying cannot help. */
class WrongFile extends Error {}

const progressEveryMs = 100;

async function sizeOnDisk(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/** The sha256 state of a file's first `bytes` bytes. */
async function hashPrefix(path: string, bytes: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (bytes === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
  return hash;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export async function downloadPart(options: PartDownload): Promise<void> {
  const { part, size, sha256, signal } = options;
  const retries = options.retries ?? 5;
  await mkdir(dirname(part), { recursive: true });
  /** The sha256 of the part's first `bytes` bytes, kept in step with the writes. */
  const state: { hashed: { hash: Hash; bytes: number } | null } = { hashed: null };
  let location = options.location;
  let failures = 0;
  let lastProblem = '';
  const clock = new TransferClock(size, await sizeOnDisk(part), options.now);
  let lastReport = -Infinity;
  const report = (done: number, force = false): void => {
    const at = (options.now ?? Date.now)();
    if (!options.onProgress || (!force && at - lastReport < progressEveryMs)) return;
    lastReport = at;
    options.onProgress(clock.progress(done));
  };

  const attempt = async (): Promise<void> => {
    let have = await sizeOnDisk(part);
    if (have > size) {
      await truncate(part, 0);
      have = 0;
    }
    if (have === size) return;
    const idle = new AbortController();
    const idleMs = options.idleTimeoutMs ?? 60_000;
    let timer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
    const requestSignal = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
    try {
      const response = await hubRequest(location, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: requestSignal, redirect: 'follow' });
      if (response.status === 416 && have > 0) {
        // The range is past what the server has: the part is not a prefix of this file.
        await response.body?.cancel().catch(() => undefined);
        await truncate(part, 0);
        throw new Error('the server refused the range of the part on disk (416); starting again from zero');
      }
      if (response.status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
        if (!range || Number(range[1]) !== have) {
          await response.body?.cancel().catch(() => undefined);
          throw new WrongFile(
            `the server answered a range from byte ${range?.[1] ?? '?'} when asked from byte ${have} (Content-Range: ${response.headers.get('content-range') ?? 'none'})`,
          );
        }
        if (range[3] !== '*' && Number(range[3]) !== size) {
          await response.body?.cancel().catch(() => undefined);
          throw new WrongFile(`the server's file is ${range[3]} bytes, but the hub says ${size}`);
        }
      } else if (response.status === 200) {
        if (have > 0) {
          // The range was ignored (huggingface_hub sees CloudFront do it): the whole file follows.
          have = 0;
          state.hashed = null;
          clock.restart(0);
        }
        const length = response.headers.get('content-length');
        if (length !== null && Number(length) !== size) {
          await response.body?.cancel().catch(() => undefined);
          throw new WrongFile(`the server sends ${length} bytes, but the hub says ${size}`);
        }
      } else {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`${new URL(location).origin} answered ${response.status} ${response.statusText}`);
      }
      if (!response.body) throw new Error('the answer has no body');
      if (!state.hashed || state.hashed.bytes !== have) state.hashed = { hash: await hashPrefix(part, have), bytes: have };
      const current = state.hashed;
      const handle = await open(part, have === 0 ? 'w' : 'r+');
      // A reader rather than `for await`: the DOM typings of the tests' project lack the iterator.
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value: chunk } = await reader.read();
          if (done) break;
          clearTimeout(timer);
          timer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
          if (have + chunk.byteLength > size) throw new WrongFile(`the server sends more than the ${size} bytes the hub says`);
          await handle.write(chunk, 0, chunk.byteLength, have);
          current.hash.update(chunk);
          current.bytes += chunk.byteLength;
          have += chunk.byteLength;
          failures = 0;
          report(have);
        }
        await handle.sync();
      } finally {
        await reader.cancel().catch(() => undefined);
        await handle.close();
      }
      if (have < size) throw new Error(`the server ended the file after ${have} of ${size} bytes`);
    } finally {
      clearTimeout(timer);
    }
  };

  for (;;) {
    try {
      await attempt();
      break;
    } catch (error) {
      const kept = await sizeOnDisk(part);
      if (signal?.aborted) throw new DownloadStopped(kept);
      if (error instanceof WrongFile) {
        await rm(part, { force: true });
        throw new ApiError('VALIDATION', `The download of ${options.location.split('?')[0]} was refused and deleted: ${error.message}.`);
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
        throw new ApiError(
          'STORAGE',
          `Cannot write ${part}: ${(error as Error).message}. ${mb(kept)} of ${mb(size)} are kept there; the same command resumes once there is room.`,
        );
      }
      lastProblem = error instanceof ApiError ? error.message : networkFailure(error);
      failures += 1;
      if (failures > retries) {
        throw new ApiError(
          'NETWORK',
          `The download stopped (${lastProblem}) ${retries + 1} times in a row without progress; ${mb(kept)} of ${mb(size)} are kept in ${part}, and the same command resumes from there.`,
        );
      }
      await sleep(options.retryDelayMs ?? 1_000, undefined, signal ? { signal } : undefined).catch(() => undefined);
      if (signal?.aborted) throw new DownloadStopped(kept);
      if (options.refreshLocation) location = await options.refreshLocation().catch(() => location);
    }
  }

  const digest = state.hashed?.bytes === size ? state.hashed.hash.digest('hex') : (await hashPrefix(part, size)).digest('hex');
  if (digest !== sha256) {
    await rm(part, { force: true });
    throw new ApiError(
      'VALIDATION',
      `The downloaded file's sha256 is ${digest}, but the hub says ${sha256}: it was deleted, nothing was cached. Run the command again to download it anew.`,
    );
  }
  report(size, true);
}
