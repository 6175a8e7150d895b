import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { hexToValue } from '../../../src-shared/classes';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { confidenceBins } from '../../../src-shared/training';
import { confidenceLevels } from '../../../src-shared/derived';
import type { PredictResult } from '../../../src-shared/training';
import { decodeImage, decodeLabels } from '../data/decode';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import { loadRunModel } from '../model-io/load-model';
import { predictImage, predictWithTta } from './sliding-window';

/**
 * The `predict` job: every image through the run's checkpoint (sliding windows with overlap,
 * probabilities blended), written as `<name>_index.png` (one channel, the class index) and
 * `<name>_color.png` (class colours). Unreadable files are reported and skipped.
 */
export async function runPredictJob(params: JobParams<'predict'>, context: JobContext): Promise<JobResult<'predict'>> {
  const { model, state } = await loadRunModel(params);
  const palette = params.colors.map((c) => hexToValue(c));
  const classes = params.classNames.length;
  const result: PredictResult = {
    checkpointEpoch: state.epoch,
    written: 0,
    skipped: [],
    ...(params.truth && { images: [] }),
    ...(params.confidence && { histogram: params.classNames.map(() => new Array<number>(confidenceLevels + 1).fill(0)), names: [] }),
  };
  const labelMap = new Map(params.truth?.labelMap ?? []);
  try {
    await mkdir(params.outDir, { recursive: true });
    for (const [i, path] of params.images.entries()) {
      throwIfCancelled(context.signal);
      let image;
      try {
        image = await decodeImage(path);
      } catch (error) {
        result.skipped.push({ image: path, message: `not a readable image: ${(error as Error).message}` });
        context.progress(i + 1, params.images.length, `skipped ${basename(path)}`);
        continue;
      }
      const window = { size: params.config.inputSize, overlap: params.config.validationOverlap, normalization: state.normalization, batchSize: params.config.batchSize };
      // Flip TTA: the image and its two mirrors, the one augmentation code path the evaluation jobs use too.
      const probs = params.tta
        ? await predictWithTta(model, image.data, image.width, image.height, window, { flips: true, scales: [] })
        : await predictImage(model, image.data, image.width, image.height, window.size, window.overlap, window.normalization, window.batchSize);
      const pixels = image.width * image.height;
      const index = Buffer.alloc(pixels);
      const colour = Buffer.alloc(pixels * 3);
      const level = params.confidence ? Buffer.alloc(pixels) : null;
      for (let p = 0; p < pixels; p += 1) {
        let best = 0;
        for (let c = 1; c < classes; c += 1) if (probs[p * classes + c]! > probs[p * classes + best]!) best = c;
        index[p] = best;
        if (level && result.histogram) {
          const l = Math.min(confidenceLevels, Math.floor(probs[p * classes + best]! * confidenceLevels + 1e-6));
          level[p] = l;
          result.histogram[best]![l]! += 1;
        }
        const v = palette[best] ?? 0;
        colour[p * 3] = v >> 16;
        colour[p * 3 + 1] = (v >> 8) & 255;
        colour[p * 3 + 2] = v & 255;
      }
      const stem = params.names?.[i] ?? basename(path, extname(path));
      const truthPath = params.truth?.masks[i];
      if (truthPath && result.images) {
        try {
          const truth = await decodeLabels(truthPath, labelMap);
          if (truth.width !== image.width || truth.height !== image.height) throw new Error(`mask is ${truth.width}x${truth.height}, image ${image.width}x${image.height}`);
          result.images.push({ name: stem, ...compareWithTruth(truth.labels, index, probs, classes) });
        } catch (error) {
          result.skipped.push({ image: truthPath, message: `ground truth not compared: ${(error as Error).message}` });
        }
      }
      if (params.encoding === 'class-index') {
        await sharp(index, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('b-w').png().toFile(join(params.outDir, `${stem}_index.png`));
      } else if (params.encoding === 'mask-values' && params.maskValues) {
        await writeMaskValues(join(params.outDir, `${stem}_mask.png`), index, image.width, image.height, params.maskValues);
      }
      if (level) {
        await sharp(level, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('b-w').png().toFile(join(params.outDir, `${stem}_confidence.png`));
        result.names?.push(stem);
      }
      if (!params.indexOnly || params.encoding === 'palette') {
        await sharp(colour, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(join(params.outDir, `${stem}_color.png`));
      }
      result.written += 1;
      context.progress(i + 1, params.images.length, `predicted ${i + 1} of ${params.images.length} images`);
    }
    return result;
  } finally {
    model.dispose();
  }
}

/**
 * Writes class labels as the dataset's own mask values: RGB colours for palette masks, else one
 * channel (16-bit when a value exceeds 255), so a LoveDA prediction holds 1 for Background as
 * its masks do, and a user's scripts read predictions like their labels.
 */
async function writeMaskValues(path: string, labels: Uint8Array, width: number, height: number, encoding: { values: number[]; rgb: boolean }): Promise<void> {
  const pixels = width * height;
  if (encoding.rgb) {
    const rgb = Buffer.alloc(pixels * 3);
    for (let p = 0; p < pixels; p += 1) {
      const v = encoding.values[labels[p]!] ?? 0;
      rgb[p * 3] = v >> 16;
      rgb[p * 3 + 1] = (v >> 8) & 255;
      rgb[p * 3 + 2] = v & 255;
    }
    await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(path);
    return;
  }
  if (encoding.values.some((v) => v > 255)) {
    const words = new Uint16Array(pixels);
    for (let p = 0; p < pixels; p += 1) words[p] = encoding.values[labels[p]!] ?? 0;
    await sharp(words, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toFile(path);
    return;
  }
  const bytes = Buffer.alloc(pixels);
  for (let p = 0; p < pixels; p += 1) bytes[p] = encoding.values[labels[p]!] ?? 0;
  await sharp(bytes, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(path);
}

/** Confusion counts and wrong pixels by confidence, for one image against its truth labels. */
export function compareWithTruth(truth: Uint8Array, predicted: Uint8Array, probs: Float32Array, classes: number): { labelled: number; confusion: number[]; wrongByConfidence: number[] } {
  const confusion = new Array<number>(classes * classes).fill(0);
  const wrongByConfidence = new Array<number>(confidenceBins).fill(0);
  let labelled = 0;
  for (let p = 0; p < truth.length; p += 1) {
    const t = truth[p]!;
    if (t === ignoreLabel || t >= classes) continue;
    labelled += 1;
    const q = predicted[p]!;
    confusion[t * classes + q]! += 1;
    if (q !== t) wrongByConfidence[Math.min(confidenceBins - 1, Math.floor(probs[p * classes + q]! * confidenceBins))]! += 1;
  }
  return { labelled, confusion, wrongByConfidence };
}
