import { readdirSync, realpathSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { ApiError } from '../../src-shared/errors';
import type { PredictionEncoding, PredictJobParams } from '../../src-shared/training';
import type { Db } from '../db/connection';
import type { Statements } from '../db/statements';
import { parseClasses } from '../datasets/dataset-queries';
import { imageExtensions, pairFiles } from '../datasets/pairing';
import { existingOutputs, outputNames, previousOutputs } from '../outputs/prediction-outputs';
import type { JobService } from '../jobs/job-service';
import type { RunService } from '../runs/run-service';
import { resultOf } from '../jobs/job-service';
import type { TypedJob } from '../jobs/job-service';
import { hasCheckpoint } from '../runs/run-queries';

/** The images (JPEG, PNG, TIFF) of a folder, sorted, as paths; refused when there are none or the folder cannot be read. */
export function listImageFiles(imagesDir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(imagesDir)
      .filter((name) => imageExtensions.includes(extname(name).toLowerCase()))
      .sort();
  } catch {
    throw new ApiError('VALIDATION', `The images folder ${imagesDir} does not exist or cannot be read.`);
  }
  if (files.length === 0) throw new ApiError('VALIDATION', `No images (JPEG, PNG, TIFF) in ${imagesDir}.`);
  return files.map((f) => join(imagesDir, f));
}

/**
 * The images of a folder to predict: masks that pair with an image there (`tile1_mask.png` beside
 * `tile1.png`, as import pairs them) and SegBench's own earlier predictions are left out, with
 * the reason.
 */
function listPredictInputs(imagesDir: string): { images: string[]; leftOut: { image: string; message: string }[] } {
  const paths = listImageFiles(imagesDir);
  const previous = previousOutputs(imagesDir);
  const entries = paths.map((path) => ({ name: basename(path), path })).filter((entry) => !previous.has(entry.name));
  const report = pairFiles(entries, null);
  const masks = new Set([...report.pairs.map((pair) => pair.mask.path), ...report.masksWithoutImages.map((name) => join(imagesDir, name))]);
  const leftOut: { image: string; message: string }[] = [];
  for (const path of paths) {
    if (previous.has(basename(path))) leftOut.push({ image: path, message: 'left out: a prediction SegBench wrote here earlier' });
    else if (masks.has(path)) leftOut.push({ image: path, message: 'left out: a mask (its name pairs it with an image in this folder, as import would)' });
  }
  const images = paths.filter((path) => !previous.has(basename(path)) && !masks.has(path));
  if (images.length === 0)
    throw new ApiError('VALIDATION', `No images to predict in ${imagesDir}: its ${paths.length} image file(s) are all masks or earlier predictions.`);
  return { images, leftOut };
}

/**
 * Predictions with a trained run: a split stored for Inspect (with per-image confusion and
 * confidence, plain or flip TTA), any folder of images, written as index and colour PNGs.
 */
export class PredictionService {
  constructor(private readonly options: { db: Db; statements: Statements; jobs: JobService; runs: RunService }) {}

  /**
   * Predicts a split's images with the best checkpoint and stores them in the run's folder
   * (`predictions/<split>[-tta]/<imageId>_index.png`) for Inspect's viewer, together with each
   * image's confusion and confidently-wrong pixels against the mask in effect (review queue,
   * confusion matrix). Flip TTA is stored as its own variant, so its effect per class shows.
   */
  async predictSplit(runId: string, split: 'val' | 'test', tta = false): Promise<{ written: number; skipped: number }> {
    const { row, train, external, predictedMasks } = this.options.runs.trainParams(runId);
    if (!hasCheckpoint(train.runDir, 'best', external, predictedMasks)) {
      throw new ApiError('CONFLICT', `Run "${row.name}" has no checkpoint yet (it stores one after its first validated epoch); nothing to predict with.`);
    }
    const images = this.options.statements.splitImages.all(row.dataset_id ?? '', split);
    if (images.length === 0) throw new ApiError('VALIDATION', `The dataset of run "${row.name}" has no ${split} images (or no longer exists).`);
    const variant = tta ? 'tta' : 'plain';
    const job = this.predict(
      runId,
      images.map((i) => i.image_path),
      join(train.runDir, 'predictions', tta ? `${split}-tta` : split),
      'best',
      images.map((i) => String(i.id)),
      {
        tta,
        truth: { masks: images.map((i) => i.mask_path), labelMap: train.labelMap },
      },
    );
    const done = await this.options.jobs.whenDoneOf('predict', job.id);
    if (done.status !== 'finished') throw new ApiError('ENGINE', `Predicting the ${split} split did not finish: ${done.reason ?? done.status}`);
    const result = resultOf(done);
    const { statements, db } = this.options;
    db.transaction(() => {
      statements.predictionsClear.run(runId, split, variant);
      statements.predictionImagesClear.run(runId, split, variant);
      for (const image of result.images ?? []) {
        statements.predictionImagePut.run({
          run_id: runId,
          split,
          variant,
          image_id: Number(image.name),
          labelled: image.labelled,
          confusion: JSON.stringify(image.confusion),
          wrong_by_confidence: JSON.stringify(image.wrongByConfidence),
        });
      }
      statements.predictionPut.run({
        run_id: runId,
        split,
        variant,
        epoch: result.checkpointEpoch,
        images: result.written,
        created_at: new Date().toISOString(),
      });
    })();
    return { written: result.written, skipped: result.skipped.length };
  }

  /**
   * Queues prediction of every image (JPEG, PNG, TIFF) in a folder with the best or last
   * checkpoint, written to `outDir` as index and colour PNGs; non-images are reported and skipped.
   */
  predictFolder(
    runId: string,
    imagesDir: string,
    outDir: string,
    checkpoint: 'best' | 'last' = 'best',
    encoding: PredictionEncoding = 'mask-values',
  ): TypedJob<'predict'> {
    if (!isAbsolute(imagesDir) || !isAbsolute(outDir)) throw new ApiError('VALIDATION', 'The images folder and the output folder must be absolute paths.');
    const { row, train, external, predictedMasks } = this.options.runs.trainParams(runId);
    if (predictedMasks)
      throw new ApiError(
        'VALIDATION',
        `Run "${row.name}" is a folder of predicted masks (${predictedMasks.source}); it has no model to predict other images with.`,
      );
    if (!hasCheckpoint(train.runDir, checkpoint, external)) {
      throw new ApiError('CONFLICT', `Run "${row.name}" has no ${checkpoint} checkpoint yet; it stores one after its first validated epoch.`);
    }
    const dataset = row.dataset_id ? this.options.statements.datasetById.get(row.dataset_id) : undefined;
    let maskValues: PredictJobParams['maskValues'];
    if (encoding === 'mask-values') {
      const classes = dataset ? parseClasses(dataset.classes) : [];
      const values = train.classNames.map((name) => classes.find((c) => c.name === name)?.values[0]);
      if (!dataset || values.some((v) => v === undefined)) {
        throw new ApiError(
          'VALIDATION',
          `The dataset of run "${row.name}" is gone or no longer has all its classes, so its mask values are unknown: predict with encoding class-index or palette.`,
        );
      }
      maskValues = { values: values as number[], rgb: dataset.mask_kind === 'rgb' };
    }
    this.refuseDatasetFolder(outDir);
    const inputs = listPredictInputs(imagesDir);
    const settings = { encoding, ...(maskValues && { maskValues }) };
    // Every file this prediction may write; a GeoTIFF input may give a .tif or a .png label file.
    const planned = inputs.images.flatMap((path) => {
      const stem = basename(path, extname(path));
      const geoTiff = /\.tiff?$/i.test(path);
      return [...new Set([...outputNames(stem, settings, false), ...(geoTiff ? outputNames(stem, settings, true) : [])])];
    });
    const { ours, theirs } = existingOutputs(outDir, planned);
    if (theirs.length > 0) {
      throw new ApiError(
        'CONFLICT',
        `The output folder ${outDir} already holds ${theirs.length} file(s) that this prediction would write and SegBench did not write: ${theirs.slice(0, 5).join(', ')}${theirs.length > 5 ? ', ...' : ''}. ` +
          'SegBench never replaces a file it did not create: choose an empty or new output folder.',
      );
    }
    return this.predict(runId, inputs.images, outDir, checkpoint, undefined, {
      ...settings,
      protect: { replaceable: ours },
      ...(inputs.leftOut.length > 0 && { leftOut: inputs.leftOut }),
    });
  }

  /** Refuses an output folder that directly holds images or masks of a dataset SegBench knows. */
  private refuseDatasetFolder(outDir: string): void {
    const folders = new Set([resolve(outDir)]);
    try {
      folders.add(realpathSync(outDir));
    } catch {
      // Not there yet: nothing of a dataset can be in it under its real path either.
    }
    for (const folder of folders) {
      const prefix = folder.endsWith(sep) ? folder : `${folder}${sep}`;
      const hit = this.options.statements.datasetFileInFolder.get({ prefix, length: prefix.length });
      if (hit) {
        throw new ApiError(
          'CONFLICT',
          `The output folder ${outDir} holds images or masks of dataset "${hit.dataset}" (${basename(hit.path)}); predictions are never written beside a dataset's files. Choose another output folder.`,
        );
      }
    }
  }

  /** Queues prediction of every image in a folder, written as index and colour PNGs. */
  predict(
    runId: string,
    imagePaths: string[],
    outDir: string,
    checkpoint: 'best' | 'last' = 'best',
    names?: string[],
    extra: Partial<Pick<PredictJobParams, 'tta' | 'truth' | 'confidence' | 'encoding' | 'maskValues' | 'protect' | 'leftOut'>> = {},
  ): TypedJob<'predict'> {
    const { row, train, external, predictedMasks } = this.options.runs.trainParams(runId);
    const dataset = row.dataset_id ? this.options.statements.datasetById.get(row.dataset_id) : undefined;
    const colourOf = new Map((dataset ? parseClasses(dataset.classes) : []).map((c) => [c.name, c.color]));
    const fallback = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
    const params: PredictJobParams = {
      runDir: train.runDir,
      checkpoint,
      config: train.config,
      classNames: train.classNames,
      images: imagePaths,
      outDir,
      colors: train.classNames.map((name, i) => colourOf.get(name) ?? fallback[i % fallback.length]!),
      encoding: 'class-index',
      external,
      predictedMasks,
      ...(names && { names, indexOnly: true }),
      ...extra,
    };
    return this.options.jobs.enqueue('predict', params);
  }
}
