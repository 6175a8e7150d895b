import { ApiError } from '../../src-shared/errors';
import { encoderNames } from '../../src-shared/encoders';
import type { WeightsDownload, WeightsOverview } from '../../src-shared/weights';
import { findCatalogueWeights } from './catalogue';
import { hubBaseUrl, resolveUrl } from './hub';
import { pullWeights } from './pull';
import { WeightsCache } from './weights-cache';

/**
 * The weights cache for the app: what is cached, what 'imagenet' stands for per encoder, and
 * downloads started from the launch form. A download runs in main (network and disk, like
 * `segbench weights pull`), one per name at a time; its progress goes out as `weights:changed`
 * about twice a second, and its end once.
 */
export class WeightsService {
  private readonly cache: WeightsCache;
  private readonly downloads = new Map<string, WeightsDownload>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(
    dataDir: string,
    private readonly onChanged: (download: WeightsDownload) => void,
    private readonly hubUrl?: string,
  ) {
    this.cache = new WeightsCache(dataDir);
  }

  async overview(): Promise<WeightsOverview> {
    const { weights } = await this.cache.list();
    return {
      cached: weights.map(({ name, architecture, sha256, size, source, addedAt }) => ({ name, architecture, sha256, size, source, addedAt })),
      defaults: encoderNames.map((encoder) => {
        const catalogue = findCatalogueWeights(encoder);
        return { encoder, name: catalogue.name, approxMB: catalogue.approxMB, url: resolveUrl(hubBaseUrl(this.hubUrl), catalogue) };
      }),
      downloads: [...this.downloads.values()],
      root: this.cache.root,
    };
  }

  /** Starts downloading `name` (or reports the download under way); the state comes back at once, progress by event. */
  pull(name: string): WeightsDownload {
    const catalogue = findCatalogueWeights(name);
    const key = catalogue.name;
    const current = this.downloads.get(key);
    if (current?.state === 'downloading') return current;
    const controller = new AbortController();
    let lastSent = 0;
    const update = (patch: Partial<WeightsDownload>, force = false): void => {
      const next = { ...this.downloads.get(key)!, ...patch };
      this.downloads.set(key, next);
      const now = Date.now();
      if (force || now - lastSent >= 500) {
        lastSent = now;
        this.onChanged(next);
      }
    };
    this.downloads.set(key, { name: key, state: 'downloading', done: 0, total: 0, etaSeconds: null, message: null });
    update({}, true);
    const done = pullWeights(this.cache, key, {
      ...(this.hubUrl !== undefined && { hubUrl: this.hubUrl }),
      signal: controller.signal,
      onProgress: (progress) => update({ done: progress.done, total: progress.total, etaSeconds: progress.etaSeconds }),
    })
      .then((result) => {
        const total = result.weights.size;
        update(
          {
            state: 'finished',
            done: total,
            total,
            etaSeconds: 0,
            message: result.alreadyCached ? `${result.weights.name} was cached already.` : `${result.weights.name} is cached (sha256 checked).`,
          },
          true,
        );
      })
      .catch((error: unknown) => {
        update({ state: 'failed', etaSeconds: null, message: error instanceof ApiError || error instanceof Error ? error.message : String(error) }, true);
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, { controller, done });
    return this.downloads.get(key)!;
  }

  /** Stops the downloads under way (the app is closing); their partial files stay for a resume. */
  async close(): Promise<void> {
    const running = [...this.running.values()];
    for (const { controller } of running) controller.abort();
    await Promise.all(running.map((r) => r.done));
  }
}
