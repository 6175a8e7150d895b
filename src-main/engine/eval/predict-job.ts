import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { windowBatch } from '../../../src-shared/run-config';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { hexToValue } from '../../../src-shared/classes';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { confidenceBins } from '../../../src-shared/training';
import { confidenceLevels } from '../../../src-shared/derived';
import type { PredictJobParams, PredictResult } from '../../../src-shared/training';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Georeference } from '../../../src-shared/bands';
import { writeGeoTiff } from '../../geotiff/geotiff-io';
import { outputNames, recordOutputs } from '../../outputs/prediction-outputs';
import { decodeImage, decodeLabels } from '../data/decode';
import type { JobContext } from '../job-context';
import { loadRunModel } from '../model-io/load-model';
import type { CheckpointState } from '../model-io/checkpoint';
import { shareImages } from './inference-pool';
import type { PredictedImage, PredictInput, PredictSettings } from './inference-types';
import { predictImage, predictWithTta } from './sliding-window';
import type { WindowPredictor } from './sliding-window';
import { cpuInference } from '../onnx/ort-predictor';
import { externalPredictor } from '../onnx/external-model';
import { isWholeImage, maskPredictor } from './predicted-masks';
import type { WholeImagePredictor } from './predicted-masks';
import type { PredictedMasks } from '../../../src-shared/external-model';
import { ApiError } from '../../../src-shared/errors';
import { throwIfCancelled } from '../job-context';

function predictSettings(params: PredictJobParams): PredictSettings {
  const rest: Partial<PredictJobParams> = { ...params };
  delete rest.images;
  delete rest.names;
  delete rest.truth;
  delete rest.leftOut;
  return {
    ...(rest as Omit<PredictJobParams, 'images' | 'names' | 'truth' | 'leftOut'>),
    stored: params.names !== undefined,
    truthLabelMap: params.truth?.labelMap ?? null,
  };
}

function predictInput(params: PredictJobParams, i: number): PredictInput {
  const path = params.images[i]!;
  return { path, stem: params.names?.[i] ?? basename(path, extname(path)), truthPath: params.truth?.masks[i] ?? null };
}

/**
 * The `predict` job: every image through the run's checkpoint (sliding windows with overlap,
 * probabilities blended), written as `<name>_index.png` (one channel, the class index) and
 * `<name>_color.png` (class colours). Unreadable files are reported and skipped. On wasm the
 * images are shared out over compute workers that load the same checkpoint; each thread writes
 * its images' files, and the result is merged in image order, as one thread would give it.
 */
export async function runPredictJob(params: JobParams<'predict'>, context: JobContext): Promise<JobResult<'predict'>> {
  if (params.predictedMasks) return predictFromMasks(params, params.predictedMasks, context);
  const loaded = params.external ? null : await loadRunModel(params);
  const state = loaded ? loaded.state : { normalization: params.external!.normalization, epoch: 0 };
  const model = loaded?.model ?? null;
  const settings = predictSettings(params);
  const total = params.images.length;
  // On the CPU, ONNX Runtime runs the windows with the cores itself: no compute workers then. An
  // imported model runs only there.
  const ort = params.external ? await externalPredictor(params.external, undefined, (m) => context.log('info', m)) : await cpuInference(model!, context);
  try {
    await mkdir(params.outDir, { recursive: true });
    const images = await shareImages(
      [params],
      ort ? 'onnxruntime' : tf.getBackend(),
      total,
      context,
      { doing: 'predicting', done: 'predicted' },
      (i) => predictOne(ort?.predictor ?? model!, state, settings, predictInput(params, i)),
      (worker, i) => worker.predict(settings, predictInput(params, i)),
    );
    const result: PredictResult = {
      checkpointEpoch: state.epoch,
      written: 0,
      skipped: [...(params.leftOut ?? [])],
      ...(params.truth && { images: [] }),
      ...(params.confidence && { histogram: params.classNames.map(() => new Array<number>(confidenceLevels + 1).fill(0)), names: [] }),
    };
    const written: string[] = [];
    images.forEach((image, i) => {
      if (!image) return;
      result.skipped.push(...image.skipped);
      if (image.compared) result.images?.push(image.compared);
      if (!image.written) return;
      result.written += 1;
      written.push(...image.files);
      if (result.histogram && image.histogram) {
        result.names?.push(predictInput(params, i).stem);
        image.histogram.forEach((row, c) => row.forEach((n, l) => (result.histogram![c]![l]! += n)));
      }
    });
    if (params.protect) recordOutputs(params.outDir, written);
    return result;
  } finally {
    await ort?.release();
    model?.dispose();
  }
}

/** Predicts one image and writes its files: the unit of work of each thread. */
export async function predictOne(
  model: tfl.LayersModel | WindowPredictor | WholeImagePredictor,
  state: Pick<CheckpointState, 'normalization'>,
  settings: PredictSettings,
  input: PredictInput,
): Promise<PredictedImage> {
  const classes = settings.classNames.length;
  const palette = settings.colors.map((c) => hexToValue(c));
  const outcome: PredictedImage = { written: false, files: [], skipped: [], compared: null, histogram: null };
  let image;
  try {
    image = await decodeImage(input.path, settings.config.inputChannels);
  } catch (error) {
    outcome.skipped.push({ image: input.path, message: `not a readable image: ${(error as Error).message}` });
    return outcome;
  }
  const window = {
    size: settings.config.inputSize,
    overlap: settings.config.validationOverlap,
    normalization: state.normalization,
    batchSize: windowBatch(settings.config),
  };
  // Flip TTA: the image and its two mirrors, the one augmentation code path the evaluation jobs use too.
  let probs: Float32Array;
  if (isWholeImage(model)) {
    try {
      probs = await model.wholeImage(input.path, image.width, image.height);
    } catch (error) {
      outcome.skipped.push({ image: input.path, message: error instanceof Error ? error.message : String(error) });
      return outcome;
    }
  } else {
    probs = settings.tta
      ? await predictWithTta(model, image.data, image.width, image.height, window, { flips: true, scales: [] })
      : await predictImage(model, image.data, image.width, image.height, window.size, window.overlap, window.normalization, window.batchSize);
  }
  const pixels = image.width * image.height;
  const index = Buffer.alloc(pixels);
  const colour = Buffer.alloc(pixels * 3);
  const level = settings.confidence ? Buffer.alloc(pixels) : null;
  const histogram = settings.confidence ? settings.classNames.map(() => new Array<number>(confidenceLevels + 1).fill(0)) : null;
  for (let p = 0; p < pixels; p += 1) {
    let best = 0;
    for (let c = 1; c < classes; c += 1) if (probs[p * classes + c]! > probs[p * classes + best]!) best = c;
    index[p] = best;
    if (level && histogram) {
      const l = Math.min(confidenceLevels, Math.floor(probs[p * classes + best]! * confidenceLevels + 1e-6));
      level[p] = l;
      histogram[best]![l]! += 1;
    }
    const v = palette[best] ?? 0;
    colour[p * 3] = v >> 16;
    colour[p * 3 + 1] = (v >> 8) & 255;
    colour[p * 3 + 2] = v & 255;
  }
  const { stem, truthPath } = input;
  if (truthPath && settings.truthLabelMap) {
    try {
      const truth = await decodeLabels(truthPath, new Map(settings.truthLabelMap));
      if (truth.width !== image.width || truth.height !== image.height)
        throw new Error(`mask is ${truth.width}x${truth.height}, image ${image.width}x${image.height}`);
      outcome.compared = { name: stem, ...compareWithTruth(truth.labels, index, probs, classes) };
    } catch (error) {
      outcome.skipped.push({ image: truthPath, message: `ground truth not compared: ${(error as Error).message}` });
    }
  }
  // A folder's georeferenced GeoTIFF inputs get GeoTIFF label files at the same place on the
  // ground; stored predictions (named by image id) stay PNG for the viewers.
  const georeference = settings.stored ? undefined : image.georeference;
  const outDir = settings.outDir;
  const names = outputNames(stem, settings, !!georeference);
  if (settings.protect) {
    // Never replace a file SegBench did not write (main checked at queueing; this covers files made since).
    const replaceable = new Set(settings.protect.replaceable);
    const taken = names.find((name) => !replaceable.has(name) && existsSync(join(outDir, name)));
    if (taken) {
      outcome.skipped.push({ image: input.path, message: `not written: ${taken} is already in the output folder and SegBench did not write it` });
      return outcome;
    }
  }
  const [labelName] = names;
  if (labelName && settings.encoding === 'class-index') {
    await writeLabels(join(outDir, labelName), index, 1, image.width, image.height, georeference);
  } else if (labelName && settings.encoding === 'mask-values' && settings.maskValues) {
    const values = maskValues(index, settings.maskValues);
    await writeLabels(join(outDir, labelName), values.data, values.channels, image.width, image.height, georeference);
  }
  if (level) {
    await sharp(level, { raw: { width: image.width, height: image.height, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(outDir, `${stem}_confidence.png`));
  }
  if (!settings.indexOnly || settings.encoding === 'palette') {
    await sharp(colour, { raw: { width: image.width, height: image.height, channels: 3 } })
      .png()
      .toFile(join(outDir, `${stem}_color.png`));
  }
  outcome.files = names;
  outcome.written = true;
  outcome.histogram = histogram;
  return outcome;
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
async function writeLabels(
  path: string,
  data: Uint8Array | Uint16Array,
  channels: 1 | 3,
  width: number,
  height: number,
  georeference: Georeference | null | undefined,
): Promise<void> {
  if (georeference) {
    await writeGeoTiff(path, data, { width, height, bands: channels, georeference });
    return;
  }
  const raw = { width, height, channels };
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (channels === 3) await sharp(buffer, { raw }).png().toFile(path);
  else
    await sharp(buffer, { raw })
      .toColourspace(data instanceof Uint16Array ? 'grey16' : 'b-w')
      .png()
      .toFile(path);
}

/** Confusion counts and wrong pixels by confidence, for one image against its truth labels. */
function compareWithTruth(
  truth: Uint8Array,
  predicted: Uint8Array,
  probs: Float32Array,
  classes: number,
): { labelled: number; confusion: number[]; wrongByConfidence: number[] } {
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

/**
 * A run of imported predicted masks "predicts" its dataset's images by reading their masks: the
 * same files and statistics as a model's prediction (Inspect's stored predictions, confusion).
 */
async function predictFromMasks(params: JobParams<'predict'>, masks: PredictedMasks, context: JobContext): Promise<JobResult<'predict'>> {
  if (!params.truth)
    throw new ApiError('VALIDATION', "A run of predicted masks only shows its own masks for the dataset's images; it cannot predict other images.");
  const predictor = maskPredictor(masks, new Map(params.truth.labelMap), params.classNames.length);
  const settings = predictSettings(params);
  await mkdir(params.outDir, { recursive: true });
  const result: PredictResult = { checkpointEpoch: 0, written: 0, skipped: [...(params.leftOut ?? [])], images: [] };
  for (let i = 0; i < params.images.length; i += 1) {
    throwIfCancelled(context.signal);
    const image = await predictOne(predictor, { normalization: { mean: [], std: [] } }, settings, predictInput(params, i));
    result.skipped.push(...image.skipped);
    if (image.compared) result.images?.push(image.compared);
    if (image.written) result.written += 1;
    context.progress(i + 1, params.images.length, `read ${i + 1} of ${params.images.length} predicted masks`);
  }
  return result;
}
