import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { hexToValue } from '../../../src-shared/classes';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { confidenceBins } from '../../../src-shared/training';
import { confidenceLevels } from '../../../src-shared/derived';
import type { PredictResult } from '../../../src-shared/training';
import type { Georeference } from '../../../src-shared/bands';
import { writeGeoTiff } from '../../geotiff/geotiff-io';
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
        image = await decodeImage(path, params.config.inputChannels);
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
      // A folder's georeferenced GeoTIFF inputs get GeoTIFF label files at the same place on the
      // ground; stored predictions (named by image id) stay PNG for the viewers.
      const georeference = params.names ? undefined : image.georeference;
      if (params.encoding === 'class-index') {
        await writeLabels(join(params.outDir, `${stem}_index`), index, 1, image.width, image.height, georeference);
      } else if (params.encoding === 'mask-values' && params.maskValues) {
        const values = maskValues(index, params.maskValues);
        await writeLabels(join(params.outDir, `${stem}_mask`), values.data, values.channels, image.width, image.height, georeference);
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
 * Class labels as the dataset's own mask values: RGB colours for palette masks, else one channel
 * (16-bit when a value exceeds 255), so a LoveDA prediction holds 1 for Background as its masks
 * do, and a user's scripts read predictions like their labels.
 */
function maskValues(labels: Uint8Array, encoding: { values: number[]; rgb: boolean }): { data: Uint8Array | Uint16Array; channels: 1 | 3 } {
  const pixels = labels.length;
  if (encoding.rgb) {
    const rgb = new Uint8Array(pixels * 3);
    for (let p = 0; p < pixels; p += 1) {
      const v = encoding.values[labels[p]!] ?? 0;
      rgb[p * 3] = v >> 16;
      rgb[p * 3 + 1] = (v >> 8) & 255;
      rgb[p * 3 + 2] = v & 255;
    }
    return { data: rgb, channels: 3 };
  }
  const data = encoding.values.some((v) => v > 255) ? new Uint16Array(pixels) : new Uint8Array(pixels);
  for (let p = 0; p < pixels; p += 1) data[p] = encoding.values[labels[p]!] ?? 0;
  return { data, channels: 1 };
}

/**
 * Writes a label image: a GeoTIFF with the source's CRS and transform when the input was a
 * georeferenced GeoTIFF, else a PNG (16-bit grey when the values need it).
 */
async function writeLabels(path: string, data: Uint8Array | Uint16Array, channels: 1 | 3, width: number, height: number, georeference: Georeference | null | undefined): Promise<void> {
  if (georeference) {
    await writeGeoTiff(`${path}.tif`, data, { width, height, bands: channels, georeference });
    return;
  }
  const raw = { width, height, channels };
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (channels === 3) await sharp(buffer, { raw }).png().toFile(`${path}.png`);
  else await sharp(buffer, { raw }).toColourspace(data instanceof Uint16Array ? 'grey16' : 'b-w').png().toFile(`${path}.png`);
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
