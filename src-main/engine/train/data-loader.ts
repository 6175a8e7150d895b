import type { RunConfig } from '../../../src-shared/run-config';
import { mulberry32 } from '../../../src-shared/random';
import type { TrainItem } from '../../../src-shared/training';
import { augmentCrop, minorityCentre, pixelsOf } from '../data/augment';
import type { Crop } from '../data/augment';
import { decodeSample } from '../data/decode';
import type { LabelMap, Sample } from '../data/decode';
import { SampleCache } from '../data/sample-cache';

const minorityBudgetBytes = 256 * 2 ** 20;

interface Batch {
  crops: Crop[];
  /** Images that failed to decode and were left out of this batch. */
  skipped: { imageId: number; message: string }[];
}

/**
 * Decodes (sharp, cached within the memory budget), augments and batches training images in
 * epoch order, keeping the next batches decoding while the current one trains: sharp works on its
 * own threads, so decoding overlaps the synchronous training step.
 */
export class DataLoader {
  private readonly cache: SampleCache;
  private readonly items: Map<number, TrainItem>;
  private readonly failed = new Map<number, string>();
  /** Per image, the pixels of the minority-crop classes (listed once, on first use). */
  private readonly minorityPixels = new Map<number, Uint32Array>();
  private minorityBytes = 0;

  constructor(
    items: readonly TrainItem[],
    private readonly labelMap: LabelMap,
    private readonly config: RunConfig,
  ) {
    this.cache = new SampleCache(config.cacheMiB * 2 ** 20);
    this.items = new Map(items.map((item) => [item.imageId, item]));
  }

  async sample(imageId: number): Promise<Sample> {
    const cached = this.cache.get(imageId);
    if (cached) return cached;
    const item = this.items.get(imageId);
    if (!item) throw new Error(`no training image with id ${imageId}`);
    const sample = await decodeSample(item.imagePath, item.maskPath, this.labelMap, this.config.inputChannels);
    this.cache.set(imageId, sample);
    return sample;
  }

  private centreFor(imageId: number, sample: Sample, random: () => number): { x: number; y: number } | null {
    const recipe = this.config.minorityCrops;
    if (!recipe?.labels || recipe.labels.length === 0 || recipe.share <= 0) return null;
    let pixels = this.minorityPixels.get(imageId);
    if (!pixels) {
      pixels = pixelsOf(sample, recipe.labels);
      // Kept within a budget; past it, lists are rebuilt when needed (a pass over the labels).
      if (this.minorityBytes + pixels.byteLength <= minorityBudgetBytes) {
        this.minorityPixels.set(imageId, pixels);
        this.minorityBytes += pixels.byteLength;
      }
    }
    return minorityCentre(sample, pixels, recipe.share, random);
  }

  /** Batches of one epoch; `ahead` batches are always decoding in the background. */
  *batches(order: readonly number[], epochSeed: number, steps: number, ahead = 2): Generator<Promise<Batch>> {
    const size = this.config.batchSize;
    const pending: Promise<Batch>[] = [];
    const make = (step: number): Promise<Batch> => {
      const ids = Array.from({ length: size }, (_, k) => order[(step * size + k) % order.length]!);
      const random = mulberry32((epochSeed * 1_000_003 + step) >>> 0);
      const seeds = ids.map(() => Math.floor(random() * 2 ** 31));
      return Promise.all(
        ids.map((id) =>
          this.sample(id).then(
            (s) => ({ id, s }),
            (error: unknown) => ({ id, error }),
          ),
        ),
      ).then((results) => {
        const batch: Batch = { crops: [], skipped: [] };
        results.forEach((result, k) => {
          if ('error' in result) {
            const message = result.error instanceof Error ? result.error.message : String(result.error);
            if (!this.failed.has(result.id)) batch.skipped.push({ imageId: result.id, message });
            this.failed.set(result.id, message);
            return;
          }
          const random = mulberry32(seeds[k]!);
          batch.crops.push(augmentCrop(result.s, this.config.inputSize, this.config.augment, random, this.centreFor(result.id, result.s, random) ?? undefined));
        });
        return batch;
      });
    };
    for (let step = 0; step < Math.min(ahead, steps); step += 1) pending.push(make(step));
    for (let step = 0; step < steps; step += 1) {
      const next = step + ahead;
      if (next < steps) pending.push(make(next));
      yield pending.shift()!;
    }
  }
}
