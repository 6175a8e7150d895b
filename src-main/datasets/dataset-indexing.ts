import { classesFromPreset, classesFromValues, findPreset, matchPreset, valueToClassMap } from '../../src-shared/classes';
import { defaultBandNames, isRgbPicture, layoutMismatch, parseBandLayout } from '../../src-shared/bands';
import { bandSampleSize } from '../../src-shared/band-stats';
import type { BandLayout, RasterInfo } from '../../src-shared/bands';
import type { ClassDef, MaskKind } from '../../src-shared/classes';
import type { DatasetState } from '../../src-shared/datasets';
import type { EngineData } from '../../src-shared/engine-protocol';
import { maxAutoClasses, noisyMaskOutliers } from '../../src-shared/indexing';
import type { IndexItem, IndexJobParams, IndexedImage } from '../../src-shared/indexing';
import { defaultSplit, hasFolderSplit } from '../../src-shared/splits';
import type { Db } from '../db/connection';
import type { DatasetRow } from '../db/dataset-statements';
import type { Statements } from '../db/statements';
import type { JobService, TypedJob } from '../jobs/job-service';
import { parseStored } from '../../src-shared/stored';
import { parseClasses, storedRasterInfoSchema } from './dataset-queries';
import { writeSplit } from './dataset-splits';

export const thumbSize = 192;

/**
 * Indexing a dataset in the engine: the index job over the pending images, each streamed batch
 * stored in one transaction, and when the job ends, noisy masks flagged, the first classes chosen
 * and the default split made.
 */
export class DatasetIndexing {
  constructor(
    private readonly options: {
      db: Db;
      statements: Statements;
      jobs: JobService;
      thumbDir: (datasetId: string) => string;
      onChanged: (datasetId: string) => void;
    },
  ) {
    options.jobs.handleKind('index', {
      onData: (job, data) => this.store(job, data),
      onEnd: (job) => this.settle(job),
      // Indexing run by another SegBench process on this data directory: refresh what shows it.
      onRemoteUpdate: (job) => this.options.onChanged(job.params.datasetId),
    });
  }

  start(datasetId: string): void {
    const pending = this.options.statements.imagesPending.all(datasetId);
    const items: IndexItem[] = pending.map((row) => ({
      imageId: row.id,
      imagePath: row.image_path,
      maskPath: row.mask_path,
      ...(row.revision_path !== null && { revisionPath: row.revision_path }),
    }));
    const params: IndexJobParams = { datasetId, thumbDir: this.options.thumbDir(datasetId), thumbSize, items };
    const job = this.options.jobs.enqueue('index', params);
    this.options.statements.datasetSetJob.run({ id: datasetId, index_job_id: job.id, state: 'indexing' });
    this.options.onChanged(datasetId);
  }

  private store(job: TypedJob<'index'>, data: EngineData): void {
    if (data.kind !== 'indexed') return;
    const { statements, db } = this.options;
    const datasetId = job.params.datasetId;
    const dataset = statements.datasetById.get(datasetId);
    if (!dataset) return;
    const classes = parseClasses(dataset.classes, dataset.id);
    const map = classes.length > 0 ? classMapJson(classes) : null;
    db.transaction(() => {
      for (const result of data.images) storeOne(statements, result, map);
      const first = data.images.find((result) => result.ok);
      if (!dataset.mask_kind && first?.ok) statements.datasetSetMaskKind.run({ id: datasetId, mask_kind: first.maskKind });
    })();
    this.options.onChanged(datasetId);
  }

  private settle(job: TypedJob<'index'>): void {
    const { statements, db } = this.options;
    const datasetId = job.params.datasetId;
    const dataset = statements.datasetById.get(datasetId);
    if (!dataset || dataset.index_job_id !== job.id) return;
    db.transaction(() => {
      this.settleBands(datasetId);
      this.flagNoisyMasks(datasetId);
      if (parseClasses(dataset.classes, dataset.id).length === 0) this.chooseClasses(dataset);
      if (!dataset.split_config) {
        // The dataset's own split when its folders carry one (train/, val/ in any case, with synonyms), else a seeded random one.
        const stems = statements.imagesOfDataset.all(datasetId).map((row) => row.stem);
        writeSplit(statements, { datasetId, from: hasFolderSplit(stems) ? 'folders' : 'random', ...defaultSplit });
      }
      const pending = statements.imagesPending.all(datasetId).length;
      const state: DatasetState = job.status === 'finished' && pending === 0 ? 'ready' : 'incomplete';
      statements.datasetSetJob.run({ id: datasetId, index_job_id: null, state });
    })();
    this.options.onChanged(datasetId);
  }

  /**
   * A multispectral dataset's bands are those of most of its images (indexing runs several images
   * at once, so the first one done says nothing); images with another band count or data type,
   * or pictures among GeoTIFFs (JPEG, PNG, 8-bit RGB TIFFs with or without alpha), become problem
   * images with the reason. Band names the user gave stay while the layout does.
   */
  private settleBands(datasetId: string): void {
    const { statements } = this.options;
    const rows = statements.indexedRasters.all(datasetId).map((row) => ({
      id: row.id,
      info: row.raster ? parseStored(storedRasterInfoSchema, row.raster, `image ${row.id}'s raster info (dataset ${datasetId})`).info : null,
    }));
    const rasters = rows.filter((row) => row.info !== null && !isRgbPicture(row.info));
    if (rasters.length === 0) return;
    const key = (info: Pick<RasterInfo, 'bands' | 'dataType'>): string => `${info.bands} ${info.dataType}`;
    const counts = new Map<string, number>();
    for (const row of rasters) counts.set(key(row.info!), (counts.get(key(row.info!)) ?? 0) + 1);
    const top = [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    const first = rasters.find((row) => key(row.info!) === top[0])!.info!;
    const existing = parseBandLayout(statements.datasetById.get(datasetId)?.bands);
    const layout: BandLayout =
      existing && !layoutMismatch(existing, first) ? existing : { bands: first.bands, dataType: first.dataType, names: defaultBandNames(first) };
    statements.datasetSetBands.run({ id: datasetId, bands: JSON.stringify(layout) });
    for (const row of rows) {
      const mismatch = layoutMismatch(layout, row.info);
      if (!mismatch) continue;
      statements.valuesClear.run(row.id);
      statements.classesClearImage.run(row.id);
      statements.imageFlagProblem.run({ id: row.id, problem: 'band-mismatch', problem_message: `Skipped: ${mismatch}.` });
    }
  }

  /**
   * A mask with far more distinct values than the others (random colours, a photo saved as the
   * mask) would turn a 6-class dataset into hundreds of classes. Such masks become problem images
   * with the count and what to do, and their values leave the class list and training.
   */
  private flagNoisyMasks(datasetId: string): void {
    const { statements } = this.options;
    const { outliers, median, typicalMax } = noisyMaskOutliers(statements.distinctValuesPerImage.all(datasetId));
    for (const { id, n } of outliers) {
      statements.imageFlagProblem.run({
        id,
        problem: 'noisy-mask',
        problem_message:
          `The mask has ${n} distinct values, while the other masks of this dataset have at most ${typicalMax} (median ${median}): ` +
          'it looks like noise or a re-compressed mask, not class labels. It is kept out of the class list and of training. ' +
          'Fix or replace the mask, then re-index (import again with the same name).',
      });
      statements.valuesClear.run(id);
      statements.classesClearImage.run(id);
    }
  }

  /**
   * First classes of a dataset: the requested preset, the preset that fits, or one class per value.
   * Past 64 distinct values with no preset asked for, it asks first: the classes stay empty and the
   * Classes tab (or `segbench import --preset none`) makes them.
   */
  private chooseClasses(dataset: DatasetRow): void {
    const { statements } = this.options;
    const values = statements.valuesOfDataset.all(dataset.id);
    if (values.length === 0) return;
    const found = new Map(values.map((v) => [v.value, v.pixels]));
    const kind = (statements.datasetById.get(dataset.id)?.mask_kind as MaskKind | null) ?? 'index';
    const requested = dataset.preset && dataset.preset !== 'auto' && dataset.preset !== 'none' ? findPreset(dataset.preset) : undefined;
    const preset = requested ?? (dataset.preset === 'none' ? undefined : matchPreset(kind, found));
    if (!preset && dataset.preset !== 'none' && found.size > maxAutoClasses) return;
    const classes = preset ? classesFromPreset(preset) : classesFromValues(kind, found);
    writeClasses(statements, dataset.id, classes, kind, preset?.id ?? null);
  }
}

export function writeClasses(statements: Statements, datasetId: string, classes: ClassDef[], kind: MaskKind | null, preset: string | null): void {
  statements.datasetSetClasses.run({ id: datasetId, classes: JSON.stringify(classes), mask_kind: kind });
  if (preset) statements.datasetSetPreset.run({ id: datasetId, preset });
  statements.classesClearDataset.run(datasetId);
  statements.classesBuildDataset.run({ dataset_id: datasetId, map: classMapJson(classes) });
}

export function classMapJson(classes: readonly ClassDef[]): string {
  return JSON.stringify([...valueToClassMap(classes).entries()]);
}

function storeOne(statements: Statements, result: IndexedImage, map: string | null): void {
  statements.valuesClear.run(result.imageId);
  statements.classesClearImage.run(result.imageId);
  if (!result.ok) {
    statements.imageProblem.run({
      id: result.imageId,
      problem: result.problem,
      problem_message: result.message,
      image_size: result.imageStamp?.size ?? null,
      image_mtime: result.imageStamp?.mtimeMs ?? null,
      mask_size: result.maskStamp?.size ?? null,
      mask_mtime: result.maskStamp?.mtimeMs ?? null,
    });
    return;
  }
  statements.imageIndexed.run({
    id: result.imageId,
    width: result.width,
    height: result.height,
    image_size: result.imageStamp.size,
    image_mtime: result.imageStamp.mtimeMs,
    mask_size: result.maskStamp.size,
    mask_mtime: result.maskStamp.mtimeMs,
  });
  for (const [value, pixels] of result.values) statements.valueInsert.run(result.imageId, value, pixels);
  if (map) statements.classesBuildImage.run({ image_id: result.imageId, map });
  const raster = result.raster;
  statements.imageSetRaster.run({
    id: result.imageId,
    raster: raster ? JSON.stringify({ info: raster.info, sums: raster.sums }) : null,
    band_sample: raster ? bandSampleBlob(raster.samples) : null,
  });
}

/** Each band's sample as float32, `bandSampleSize` values a band (shorter samples padded with NaN). */
function bandSampleBlob(samples: readonly number[][]): Buffer {
  const out = new Float32Array(samples.length * bandSampleSize).fill(Number.NaN);
  samples.forEach((sample, b) => out.set(sample.slice(0, bandSampleSize), b * bandSampleSize));
  return Buffer.from(out.buffer);
}
