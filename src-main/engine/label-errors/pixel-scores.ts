import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { dropSmallRegions, emptyStrengthCounts, labelErrorLevels, levelValue, minimumRegion, unlabelledLevel } from '../../../src-shared/label-errors';
import type { StrengthCounts } from '../../../src-shared/label-errors';
import { parseStored } from '../../../src-shared/stored';
import { z } from '../../../src-shared/zod';

/** One scored image as a finished fold stores it (`fold-<k>/scores.json`). */
const foldImageScoreSchema = z.object({
  imageId: z.number(),
  fold: z.number(),
  labelled: z.number(),
  /** classes x (levels + 1): labelled pixels by class and given-label level. */
  histogram: z.array(z.array(z.number())),
  /** Pixels where another class has probability >= 0.5. */
  disagreement: z.number(),
  /**
   * The strength gate's counts (StrengthCounts): per class, over the labelled pixels, tp, fp, fn
   * and the summed probability of the class in levels. Absent in folds scored before the gate.
   */
  counts: z.object({ tp: z.array(z.number()), fp: z.array(z.number()), fn: z.array(z.number()), prob: z.array(z.number()) }).optional(),
});
export type FoldImageScore = z.output<typeof foldImageScoreSchema>;
const foldScoresSchema = z.array(foldImageScoreSchema);

export const predictionFile = (outDir: string, imageId: number): string => join(outDir, `${imageId}_pred.png`);
export const givenFile = (outDir: string, imageId: number): string => join(outDir, `${imageId}_given.png`);
export const flagFile = (outDir: string, imageId: number): string => join(outDir, `${imageId}_flag.png`);

// Floor to the level (a tiny epsilon so 0.57 stored as 0.5699999 still reads 57).
const toLevel = (probability: number): number => Math.min(labelErrorLevels, Math.floor(probability * labelErrorLevels + 1e-4));

/**
 * From one out-of-fold prediction: the predicted labels, each labelled pixel's given-label
 * probability in 1% levels (255 where there is no label), the level histogram per class, the
 * confident-disagreement count and the strength gate's counts over the labelled pixels: per class
 * tp, fp, fn and its probability summed in the same 1% levels as the histograms, so that its mean
 * over other classes' pixels compares with the self-confidence without a flooring bias.
 */
export function pixelScores(
  probs: Float32Array,
  given: Uint8Array,
  classes: number,
): { predicted: Uint8Array; levels: Uint8Array; histogram: number[][]; labelled: number; disagreement: number; counts: StrengthCounts } {
  const pixels = given.length;
  const predicted = new Uint8Array(pixels);
  const levels = new Uint8Array(pixels).fill(unlabelledLevel);
  const histogram = Array.from({ length: classes }, () => new Array<number>(labelErrorLevels + 1).fill(0));
  const counts = emptyStrengthCounts(classes);
  let labelled = 0;
  let disagreement = 0;
  for (let p = 0; p < pixels; p += 1) {
    let best = 0;
    for (let c = 1; c < classes; c += 1) if (probs[p * classes + c]! > probs[p * classes + best]!) best = c;
    predicted[p] = best;
    const t = given[p]!;
    if (t === ignoreLabel || t >= classes) continue;
    labelled += 1;
    const level = toLevel(probs[p * classes + t]!);
    levels[p] = level;
    for (let c = 0; c < classes; c += 1) counts.prob[c]! += levelValue(toLevel(probs[p * classes + c]!));
    histogram[t]![level]! += 1;
    if (best === t) counts.tp[t]! += 1;
    else {
      counts.fn[t]! += 1;
      counts.fp[best]! += 1;
      if (probs[p * classes + best]! >= 0.5) disagreement += 1;
    }
  }
  return { predicted, levels, histogram, labelled, disagreement, counts };
}

/**
 * The suspect pixels of one image once the class thresholds are known, as confident learning
 * counts them: labelled pixels whose given-label probability is below their class's threshold and
 * that the model predicts as another class (`below`, the image's below-threshold count). The flag
 * map keeps them without regions smaller than `minimumRegion` (`flagged`), with their class pairs.
 */
export function suspectPixels(
  levels: Uint8Array,
  predicted: Uint8Array,
  given: Uint8Array,
  width: number,
  height: number,
  thresholds: readonly (number | null)[],
): { flag: Uint8Array; below: number; flagged: number; pairs: number[] } {
  const classes = thresholds.length;
  const flag = new Uint8Array(levels.length);
  let below = 0;
  for (let p = 0; p < levels.length; p += 1) {
    const t = given[p]!;
    const level = levels[p]!;
    if (level === unlabelledLevel || t >= classes) continue;
    const threshold = thresholds[t];
    if (threshold !== null && threshold !== undefined && levelValue(level) < threshold && predicted[p] !== t) {
      flag[p] = 1;
      below += 1;
    }
  }
  const flagged = dropSmallRegions(flag, width, height, minimumRegion(width, height));
  const pairs = new Array<number>(classes * classes).fill(0);
  for (let p = 0; p < flag.length; p += 1) if (flag[p]) pairs[given[p]! * classes + predicted[p]!]! += 1;
  return { flag, below, flagged, pairs };
}

export async function writeGrey(path: string, data: Uint8Array, width: number, height: number): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await sharp(data, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 3 })
    .toFile(temp);
  await rename(temp, path);
}

export async function readGrey(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** A fold's scores, written through a temp file so that a stop mid-write leaves no half file. */
export async function writeFoldScores(path: string, scores: FoldImageScore[]): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, JSON.stringify(scores));
  await rename(temp, path);
}

export async function readFoldScores(path: string): Promise<FoldImageScore[]> {
  return parseStored(foldScoresSchema, await readFile(path, 'utf8'), `the fold scores ${path}`);
}
