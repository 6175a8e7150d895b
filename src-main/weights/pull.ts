import { rm, stat } from 'node:fs/promises';
import { ApiError } from '../../src-shared/errors';
import { findCatalogueWeights } from './catalogue';
import type { CatalogueWeights } from './catalogue';
import { downloadPart } from './download';
import type { PartDownload } from './download';
import { checkEncoderKeys } from './encoder-keys';
import { readSafetensorsHeader } from './header-file';
import { hubBaseUrl, hubFileMetadata, resolveUrl } from './hub';
import type { TransferProgress } from './transfer-clock';
import type { CachedWeights, WeightsCache } from './weights-cache';

/**
 * `weights pull NAME`: the catalogue's file from the hub into the cache, checked three ways before
 * it is kept (the hub's size, the hub's sha256, and its tensors against the architecture's
 * state_dict). Runs in main, not as an engine job: it is network and disk only, and the job queue
 * runs one job at a time, so a download queued behind a training run would wait for it (and hold
 * the next one back).
 */

interface PullOptions {
  /** The hub's address; hubBaseUrl() when not given. */
  hubUrl?: string;
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** Appended to the `segbench weights import` command a failure suggests (`--data-dir DIR`). */
  commandSuffix?: string;
  /** For tests: the retry pace and idle timeout of the transfer. */
  transfer?: Pick<PartDownload, 'retries' | 'retryDelayMs' | 'idleTimeoutMs'>;
}

interface PullResult {
  weights: CachedWeights;
  /** Nothing was downloaded: the file was cached already. */
  alreadyCached: boolean;
  /** Bytes a previous, interrupted pull had left (0 for a fresh download). */
  resumedFrom: number;
  /** Set when the hub could not be asked and a cached copy of the name was used. */
  hubProblem: string | null;
}

/** What to do by hand when the hub cannot be used from here. */
function manualSteps(weights: CatalogueWeights, url: string, cache: WeightsCache, facts: { size: number; sha256: string } | null, suffix: string): string {
  const size = facts ? `${(facts.size / 1e6).toFixed(1)} MB, sha256 ${facts.sha256}` : `about ${weights.approxMB} MB`;
  return (
    `To use these weights without the hub from here: on a machine with internet access, download\n` +
    `  ${url}\n` +
    `(${size}), bring the file to this machine, and run\n` +
    `  segbench weights import model.safetensors --name ${weights.name}${suffix}\n` +
    `It is checked and copied into ${cache.root}.`
  );
}

export async function pullWeights(cache: WeightsCache, name: string, options: PullOptions = {}): Promise<PullResult> {
  const weights = findCatalogueWeights(name);
  const base = hubBaseUrl(options.hubUrl);
  const url = resolveUrl(base, weights);
  const suffix = options.commandSuffix ?? '';
  let meta;
  try {
    meta = await hubFileMetadata(base, weights, options.signal);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'NETWORK') throw error;
    const cached = await cache.findByName(weights.name, weights.repo);
    if (cached) return { weights: cached, alreadyCached: true, resumedFrom: 0, hubProblem: error.message };
    throw new ApiError('NETWORK', `${error.message}\n\n${manualSteps(weights, url, cache, null, suffix)}`);
  }
  const existing = await cache.findBySha256(meta.sha256);
  if (existing) return { weights: existing, alreadyCached: true, resumedFrom: 0, hubProblem: null };

  const release = await cache.lock(meta.sha256);
  const part = cache.partPath(meta.sha256);
  try {
    const resumedFrom = Math.min((await stat(part).catch(() => null))?.size ?? 0, meta.size);
    await downloadPart({
      location: meta.location,
      part,
      size: meta.size,
      sha256: meta.sha256,
      ...(options.onProgress && { onProgress: options.onProgress }),
      ...(options.signal && { signal: options.signal }),
      ...options.transfer,
      refreshLocation: async () => {
        const again = await hubFileMetadata(base, weights, options.signal);
        if (again.sha256 !== meta.sha256) throw new Error('the file changed on the hub');
        return again.location;
      },
    });
    try {
      checkEncoderKeys(await readSafetensorsHeader(part), weights.architecture, `The file ${url} serves`);
    } catch (error) {
      await rm(part, { force: true });
      throw error;
    }
    const { weights: cached, alreadyCached } = await cache.admit(part, {
      name: weights.name,
      architecture: weights.architecture,
      repo: weights.repo,
      revision: meta.commit,
      source: 'hub',
      from: url,
      sha256: meta.sha256,
      size: meta.size,
    });
    return { weights: cached, alreadyCached, resumedFrom, hubProblem: null };
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'NETWORK' || error.code === 'VALIDATION')) {
      throw new ApiError(error.code, `${error.message}\n\n${manualSteps(weights, url, cache, meta, suffix)}`);
    }
    throw error;
  } finally {
    await release();
  }
}
