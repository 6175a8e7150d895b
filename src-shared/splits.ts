import { z } from './zod';

export const splitNames = ['train', 'val', 'test'] as const;
export type SplitName = (typeof splitNames)[number];

/** The split a new dataset gets, and what the Splits tab starts from: the one place it is written. */
export const defaultSplit: { seed: number; train: number; val: number; test: number; groupPattern?: string; duplicateThreshold?: number } = {
  seed: 42,
  train: 0.8,
  val: 0.2,
  test: 0,
};

export const splitRequestSchema = z
  .strictObject({
    datasetId: z.string().min(1),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(defaultSplit.seed),
    train: z.number().min(0).max(1),
    val: z.number().min(0).max(1),
    test: z.number().min(0).max(1).default(defaultSplit.test),
    /**
     * A regular expression with one capture group over the file stem: images whose captures are
     * equal form one group and land in one split (`^(tile\d+)_` keeps tile1_* together).
     */
    groupPattern: z.string().max(200).optional(),
    /** Also keep near-duplicates (similarity at least this, see duplicates.ts) in one split. */
    duplicateThreshold: z.number().min(0.8).max(1).optional(),
  })
  .refine((s) => Math.abs(s.train + s.val + s.test - 1) < 1e-6, {
    message: 'train + val + test must add up to 1 (e.g. 0.8 / 0.2 / 0)',
  })
  .refine((s) => s.val > 0, { message: 'val must be above 0: training needs a validation split' });
export type SplitRequest = z.output<typeof splitRequestSchema>;

/** Deterministic PRNG (mulberry32): the same seed gives the same split on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Group key of a stem under `pattern` (first capture group, else the whole match, else the stem). */
export function groupKey(stem: string, pattern: RegExp | undefined): string {
  if (!pattern) return stem;
  const match = pattern.exec(stem);
  if (!match) return stem;
  return match[1] ?? match[0];
}

/**
 * Assigns whole groups to splits: groups are shuffled with the seed, then filled in order so each
 * split's share of *images* comes as close to its ratio as whole groups allow.
 */
export function assignSplits(
  stems: readonly string[],
  ratios: { train: number; val: number; test: number },
  seed: number,
  pattern?: RegExp,
  /** A group key per stem that overrides the pattern (near-duplicate groups joined with pattern groups). */
  groupKeys?: readonly string[],
): SplitName[] {
  const groups = new Map<string, number[]>();
  stems.forEach((stem, i) => {
    const key = groupKeys?.[i] ?? groupKey(stem, pattern);
    const members = groups.get(key) ?? [];
    members.push(i);
    groups.set(key, members);
  });
  const keys = [...groups.keys()].sort();
  const random = mulberry32(seed);
  for (let i = keys.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  const targets: [SplitName, number][] = [
    ['val', ratios.val * stems.length],
    ['test', ratios.test * stems.length],
  ];
  const result: SplitName[] = new Array<SplitName>(stems.length).fill('train');
  const filled = { val: 0, test: 0 };
  for (const key of keys) {
    const members = groups.get(key) ?? [];
    // Give the group to the held-out split that is furthest below its target, if it still fits
    // better there than not; everything else trains.
    let choice: SplitName = 'train';
    let bestGap = 0;
    for (const [split, target] of targets) {
      const name = split as 'val' | 'test';
      const gap = target - filled[name];
      const after = Math.abs(target - filled[name] - members.length);
      if (gap > bestGap && after < gap) {
        choice = split;
        bestGap = gap;
      }
    }
    if (choice !== 'train') filled[choice as 'val' | 'test'] += members.length;
    for (const index of members) result[index] = choice;
  }
  // Whole groups can overshoot a small target; a validation split must still not end up empty.
  if (ratios.val > 0 && filled.val === 0 && keys.length > 1) {
    const fallback = keys.find((key) => (groups.get(key) ?? []).every((index) => result[index] === 'train'));
    for (const index of fallback === undefined ? [] : (groups.get(fallback) ?? [])) result[index] = 'val';
  }
  return result;
}

/**
 * The scene pattern SegBench looks for: a name, then a running number (`tile1_image_part_001` is
 * scene `tile1`; `austin12_003` is `austin12`). Its first group names the scene.
 */
export const scenePatternSource = '^(.*?[A-Za-z][^_-]*?)[_-]?(?:image[_-]?)?(?:part|patch|tile|crop|chip)?[_-]?\\d+$';

/**
 * The scene pattern, when the names have one: at least two scenes, some with several images, and
 * fewer scenes than three quarters of the images. Null for names without a running number
 * (DeepGlobe's `104113_sat`) or with nothing but numbers (LoveDA's `1234`).
 */
export function detectScenePattern(stems: readonly string[]): string | null {
  const regex = new RegExp(scenePatternSource);
  const groups = new Map<string, number>();
  for (const stem of stems) {
    const match = regex.exec(stem);
    if (!match?.[1]) return null;
    groups.set(match[1], (groups.get(match[1]) ?? 0) + 1);
  }
  const shared = [...groups.values()].filter((n) => n > 1).length;
  return groups.size >= 2 && shared > 0 && groups.size < 0.75 * stems.length ? scenePatternSource : null;
}

export interface SceneSplit {
  /** Each scene (group) with the splits its images are in, in split order. */
  groups: { group: string; images: number; splits: SplitName[] }[];
  /** Scenes whose images are in more than one split: the validation sees parts of training scenes. */
  leaking: string[];
}

/** Which scenes went where under a group pattern; images without a split are left out. */
export function scenesBySplit(items: readonly { stem: string; split: SplitName | null }[], pattern: string): SceneSplit {
  const regex = new RegExp(pattern);
  const byGroup = new Map<string, { images: number; splits: Set<SplitName> }>();
  for (const item of items) {
    if (!item.split) continue;
    const key = groupKey(item.stem, regex);
    const entry = byGroup.get(key) ?? { images: 0, splits: new Set<SplitName>() };
    entry.images += 1;
    entry.splits.add(item.split);
    byGroup.set(key, entry);
  }
  const groups = [...byGroup.entries()]
    .map(([group, e]) => ({ group, images: e.images, splits: splitNames.filter((s) => e.splits.has(s)) }))
    .sort((a, b) => a.group.localeCompare(b.group, undefined, { numeric: true }));
  return { groups, leaking: groups.filter((g) => g.splits.length > 1).map((g) => g.group) };
}
