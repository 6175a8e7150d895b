import { hexColorSchema } from './classes';
import { z } from './zod';

/**
 * Datasets SegBench derives from others: a merge of datasets with a class mapping, and
 * pseudo-labels of unlabelled images. Their images refer to the sources' files; their masks are
 * written by SegBench (one-channel index PNGs in the data directory, 255 = ignore), because the
 * class values change.
 */
export const mergeTarget = z.union([z.string().trim().min(1), z.literal('@ignore'), z.literal('@drop')]);

export const mergeRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  /** The merged dataset's classes (an ignore class is added for unmapped and ignored pixels). */
  classes: z
    .array(z.strictObject({ name: z.string().trim().min(1).max(60), color: hexColorSchema }))
    .min(2)
    .max(254),
  sources: z
    .array(
      z.strictObject({
        datasetId: z.string().min(1),
        /**
         * Source class name -> a target class name, `@ignore` (its pixels count for nothing) or
         * `@drop` (images with any of its pixels are left out). A class not listed goes to the
         * target class of the same name, if there is one.
         */
        mapping: z.record(z.string(), mergeTarget).default({}),
      }),
    )
    .min(1)
    .max(16),
  /** Leave out images where a target class covers more than maxShare of the image. */
  filters: z
    .array(z.strictObject({ className: z.string().min(1), maxShare: z.number().min(0).max(1) }))
    .max(64)
    .default([]),
});
export type MergeRequest = z.output<typeof mergeRequestSchema>;
export type MergeRequestInput = z.input<typeof mergeRequestSchema>;

export interface MergePreview {
  classNames: string[];
  /** Pixels per target class over every source image, mapped, before drops and filters. */
  before: number[];
  /** Pixels per target class in the images the merge keeps. */
  after: number[];
  /** Pixels that become ignore in the kept images. */
  ignoredAfter: number;
  sources: {
    datasetId: string;
    name: string;
    images: number;
    kept: number;
    droppedByClass: number;
    droppedByFilter: number;
    mapping: { from: string; to: string }[];
  }[];
  /** Target classes with no pixel after the merge (a merge with any is refused). */
  emptyClasses: string[];
}

/** Which target each source class takes: explicit mapping, else the same name, else an error naming the valid targets. */
export function resolveMapping(
  sourceClasses: readonly { name: string; ignore: boolean }[],
  mapping: Readonly<Record<string, string>>,
  targets: readonly string[],
  sourceName: string,
): { targets: (number | 'ignore' | 'drop')[]; problems: string[] } {
  const problems: string[] = [];
  for (const name of Object.keys(mapping)) {
    if (!sourceClasses.some((c) => c.name === name))
      problems.push(`"${sourceName}" has no class "${name}" (its classes: ${sourceClasses.map((c) => c.name).join(', ')})`);
  }
  const out = sourceClasses.map((c): number | 'ignore' | 'drop' => {
    const to = mapping[c.name] ?? (c.ignore ? '@ignore' : c.name);
    if (to === '@ignore') return 'ignore';
    if (to === '@drop') return 'drop';
    const index = targets.indexOf(to);
    if (index < 0) {
      problems.push(
        mapping[c.name] === undefined
          ? `class "${c.name}" of "${sourceName}" has no target class of that name; map it to one of ${targets.join(', ')}, or to ignore or drop`
          : `class "${c.name}" of "${sourceName}" maps to "${to}", which is not a target class (${targets.join(', ')})`,
      );
      return 'ignore';
    }
    return index;
  });
  return { targets: out, problems };
}

/** Confidence is stored in 1% steps (0..100), so a threshold is kept to 2 decimals and preview and saved masks agree exactly. */
export const confidenceLevels = 100;

const pseudoThresholdSchema = z
  .number()
  .min(0, 'a threshold between 0 and 1, in steps of 0.01 (e.g. 0.9)')
  .max(1, 'a threshold between 0 and 1, in steps of 0.01 (e.g. 0.9)')
  .refine((t) => Math.abs(Math.round(t * 100) - t * 100) < 1e-6, 'a threshold between 0 and 1, in steps of 0.01 (e.g. 0.9)');

export const pseudoStartSchema = z.strictObject({
  runId: z.string().min(1),
  imagesDir: z.string().trim().min(1),
  checkpoint: z.enum(['best', 'last']).default('best'),
});

export const pseudoSaveSchema = z.strictObject({
  setId: z.number().int().min(1),
  threshold: pseudoThresholdSchema,
  name: z.string().trim().min(1).max(80),
});

export const previewThresholds = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95] as const;

/**
 * Share of each class's predicted pixels kept at a threshold, from histograms of the winning
 * probability in 1% levels (histogram[class][level], level = floor(p * 100)). A pixel is kept
 * when p >= threshold, i.e. level >= threshold * 100.
 */
export function keptShares(histogram: readonly (readonly number[])[], threshold: number): { kept: number[]; predicted: number[] } {
  const from = Math.round(threshold * confidenceLevels);
  const kept = histogram.map((levels) => levels.slice(from).reduce((a, b) => a + b, 0));
  const predicted = histogram.map((levels) => levels.reduce((a, b) => a + b, 0));
  return { kept, predicted };
}

export interface PseudoLabelSet {
  id: number;
  runId: string;
  runName: string;
  imagesDir: string;
  jobId: string;
  status: 'running' | 'finished' | 'failed';
  reason: string | null;
  classNames: string[];
  /** Predicted pixels per class and 1% confidence level (101 levels); null until the job is done. */
  histogram: number[][] | null;
  images: number;
  skipped: { image: string; message: string }[];
  createdAt: string;
}

/** What the `derive` job writes: one index mask per item. */
const deriveItemSchema = z.discriminatedUnion('kind', [
  z.object({
    imageId: z.number().int(),
    out: z.string().min(1),
    kind: z.literal('remap'),
    mask: z.string().min(1),
    labelMap: z.array(z.tuple([z.number(), z.number().int()])),
  }),
  z.object({
    imageId: z.number().int(),
    out: z.string().min(1),
    kind: z.literal('confidence'),
    labels: z.string().min(1),
    confidence: z.string().min(1),
    minLevel: z.number().int(),
  }),
]);
export type DeriveItem = z.output<typeof deriveItemSchema>;

export const deriveJobParamsSchema = z.object({
  datasetId: z.string().min(1),
  items: z.array(deriveItemSchema),
});
export type DeriveJobParams = z.output<typeof deriveJobParamsSchema>;
