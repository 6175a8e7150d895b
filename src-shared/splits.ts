import { z } from './zod';
import { compileUserPattern } from './user-pattern';
import type { UserPattern } from './user-pattern';
import { mulberry32 } from './random';

export const splitNames = ['train', 'val', 'test'] as const;
export type SplitName = (typeof splitNames)[number];

/** The split a new dataset gets, and what the Splits tab starts from: the one place it is written. */
export const defaultSplit: { seed: number; train: number; val: number; test: number; groupPattern?: string; duplicateThreshold?: number } = {
  seed: 42,
  train: 0.8,
  val: 0.2,
  test: 0,
};

/** Where a split comes from: a seeded random draw (optionally grouped), the folders, list files, or name patterns. */
export const splitSources = ['random', 'folders', 'lists', 'patterns'] as const;
export type SplitSource = (typeof splitSources)[number];

export const splitRequestSchema = z
  .strictObject({
    datasetId: z.string().min(1),
    from: z.enum(splitSources).default('random'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(defaultSplit.seed),
    train: z.number().min(0).max(1).default(defaultSplit.train),
    val: z.number().min(0).max(1).default(defaultSplit.val),
    test: z.number().min(0).max(1).default(defaultSplit.test),
    /**
     * A regular expression with one capture group over the file stem: images whose captures are
     * equal form one group and land in one split (`^(tile\d+)_` keeps tile1_* together).
     */
    groupPattern: z.string().max(200).optional(),
    /** Also keep near-duplicates (similarity at least this, see duplicates.ts) in one split. */
    duplicateThreshold: z.number().min(0.8).max(1).optional(),
    /** from: 'lists': the folder holding train.txt, val.txt (valid, validation) and test.txt, one stem or file name a line. */
    listsDir: z.string().min(1).max(4096).optional(),
    /** from: 'patterns': stems matching valPattern go to validation, then testPattern to test, the rest to training. */
    valPattern: z.string().min(1).max(200).optional(),
    testPattern: z.string().min(1).max(200).optional(),
  })
  .refine((s) => s.from !== 'random' || Math.abs(s.train + s.val + s.test - 1) < 1e-6, {
    message: 'train + val + test must add up to 1 (e.g. 0.8 / 0.2 / 0)',
  })
  .refine((s) => s.from !== 'random' || s.val > 0, { message: 'val must be above 0: training needs a validation split' })
  .refine((s) => s.from !== 'lists' || !!s.listsDir, { message: 'listsDir: the folder with train.txt and val.txt is needed when from is "lists"' })
  .refine((s) => s.from !== 'patterns' || !!s.valPattern, {
    message: 'valPattern: a regular expression for the validation images is needed when from is "patterns" (e.g. _val_)',
  });
export type SplitRequest = z.output<typeof splitRequestSchema>;
export type SplitRequestInput = z.input<typeof splitRequestSchema>;

/** How a dataset's split was made, as writeSplit stores it in datasets.split_config (and the Splits tab shows it). */
export const splitConfigSchema = z.object({
  /** Where the split came from; absent in splits written before sources existed (random). */
  from: z.enum(splitSources).optional(),
  seed: z.number(),
  train: z.number(),
  val: z.number(),
  test: z.number(),
  groupPattern: z.string().optional(),
  duplicateThreshold: z.number().optional(),
  listsDir: z.string().optional(),
  valPattern: z.string().optional(),
  testPattern: z.string().optional(),
  /** What the source found, in words (for lists: images in no list, entries naming no image). */
  note: z.string().optional(),
});
export type SplitConfig = z.output<typeof splitConfigSchema>;

/** Group key of a stem under `pattern` (first capture group, else the whole match, else the stem). */
export function groupKey(stem: string, pattern: UserPattern | undefined): string {
  if (!pattern) return stem;
  const match = pattern.exec(stem);
  if (!match) return stem;
  return match[1] ?? match[0] ?? stem;
}

/**
 * Assigns whole groups to splits: groups are shuffled with the seed, then filled in order so each
 * split's share of *images* comes as close to its ratio as whole groups allow.
 */
export function assignSplits(
  stems: readonly string[],
  ratios: { train: number; val: number; test: number },
  seed: number,
  pattern?: UserPattern,
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
  const regex = compileUserPattern(scenePatternSource);
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
  const regex = compileUserPattern(pattern);
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

/** Folder and list names that mean a split, case-insensitive (LoveDA's Train/Val, DeepGlobe's train/valid). */
const splitSynonyms: Record<SplitName, readonly string[]> = {
  train: ['train', 'training', 'trn'],
  val: ['val', 'valid', 'validation', 'dev'],
  test: ['test', 'testing', 'tst'],
};

/** The split a folder or list-file name means (`Val`, `validation`, `train_list`, `test.txt`), or null. */
export function splitOfName(name: string): SplitName | null {
  const bare = name
    .toLowerCase()
    .replace(/\.(txt|csv|lst|list)$/, '')
    .replace(/[_-]?(list|files|images|ids|set|split)$/, '');
  for (const split of splitNames) if (splitSynonyms[split].includes(bare)) return split;
  return null;
}

/**
 * The split of each image from the folders in its stem (`Train/Rural/1234` -> train): the first
 * folder that names a split; null for an image outside any split folder.
 */
export function splitsFromFolders(stems: readonly string[]): (SplitName | null)[] {
  return stems.map((stem) => {
    const folders = stem.split('/').slice(0, -1);
    for (const folder of folders) {
      const split = splitOfName(folder);
      if (split) return split;
    }
    return null;
  });
}

/** Whether the stems carry a folder split worth using at import: a training folder and a validation or test folder. */
export function hasFolderSplit(stems: readonly string[]): boolean {
  const found = new Set(splitsFromFolders(stems));
  return found.has('train') && (found.has('val') || found.has('test'));
}

/** The last path part of a list entry without its extension: `images/tile_001.png` -> `tile_001`. */
function entryKey(entry: string): string {
  const last = entry.trim().replace(/\\/g, '/').split('/').at(-1) ?? '';
  return last.replace(/\.[A-Za-z0-9]{2,5}$/, '').toLowerCase();
}

/**
 * The split of each image from list files (one stem or file name a line, LandCover.ai's
 * train.txt / val.txt / test.txt): matched on the name without folders and extension, in any
 * case. An image in no list is unassigned (null); one in two lists is reported.
 */
export function splitsFromLists(
  stems: readonly string[],
  lists: readonly { split: SplitName; entries: readonly string[] }[],
): { splits: (SplitName | null)[]; inTwo: string[]; unmatched: number } {
  const byKey = new Map<string, SplitName>();
  const inTwo = new Set<string>();
  for (const list of lists) {
    for (const entry of list.entries) {
      const key = entryKey(entry);
      if (!key || key.startsWith('#')) continue;
      const before = byKey.get(key);
      if (before && before !== list.split) inTwo.add(key);
      byKey.set(key, list.split);
    }
  }
  const splits = stems.map((stem) => byKey.get(entryKey(stem)) ?? null);
  const matched = new Set(stems.map((stem) => entryKey(stem)));
  return { splits, inTwo: [...inTwo].sort(), unmatched: [...byKey.keys()].filter((k) => !matched.has(k)).length };
}

/** The split of each image from name patterns: val pattern first, then test, the rest train. */
export function splitsFromPatterns(stems: readonly string[], valPattern: UserPattern, testPattern?: UserPattern): SplitName[] {
  return stems.map((stem) => (valPattern.test(stem) ? 'val' : testPattern?.test(stem) ? 'test' : 'train'));
}

/** Where a dataset's split came from, in words, for the import report (CLI and app). */
export function splitSourceText(from: 'random' | 'folders' | 'lists' | 'patterns' | undefined): string {
  return { random: 'a seeded random draw', folders: "the dataset's own train/val/test folders", lists: 'list files', patterns: 'name patterns' }[
    from ?? 'random'
  ];
}
