import type { RunConfig } from '../../../src-shared/run-config';
import { drawWeight } from '../../../src-shared/recipes';
import { mulberry32 } from '../../../src-shared/random';

/**
 * The training images of one epoch, in order. Uniform: every image once, a replicated one
 * `repeats` times (or cycled to `samplesPerEpoch`), shuffled. Weighted: `samplesPerEpoch` draws
 * with replacement, each image in proportion to its weight (missing weights count 1) times its
 * repeats, so hard or rare images are seen more often.
 * Depends only on (seed, epoch): a resumed run sees the same order.
 */
export function epochOrder(
  imageIds: readonly number[],
  sampler: RunConfig['sampler'],
  seed: number,
  epoch: number,
  repeats?: Readonly<Record<string, number>>,
): number[] {
  const random = mulberry32((seed * 100_003 + epoch * 7_919) >>> 0);
  // Replication: a repeated image is in the pass `repeats` times (no file is copied).
  const pool = repeats ? imageIds.flatMap((id) => new Array<number>(repeats[String(id)] ?? 1).fill(id)) : imageIds;
  const count = sampler.samplesPerEpoch ?? pool.length;
  if (imageIds.length === 0) return [];
  if (sampler.kind === 'weighted') {
    const weights = imageIds.map((id) => drawWeight(id, sampler.weights, repeats));
    const cumulative: number[] = [];
    let total = 0;
    for (const w of weights) cumulative.push((total += w));
    if (total <= 0) throw new Error('Every sampler weight is 0: no image could be drawn.');
    return Array.from({ length: count }, () => {
      const target = random() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! > target) hi = mid;
        else lo = mid + 1;
      }
      return imageIds[lo]!;
    });
  }
  const order: number[] = [];
  while (order.length < count) {
    const pass = [...pool];
    for (let i = pass.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [pass[i], pass[j]] = [pass[j]!, pass[i]!];
    }
    for (const index of pass) order.push(index);
  }
  return order.slice(0, count);
}
