import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  classesFromPreset,
  classesFromValues,
  findPreset,
  matchPreset,
  valueToClassMap,
} from '../../src-shared/classes';
import type { ClassDef, MaskKind } from '../../src-shared/classes';
import { maxAutoClasses, noisyMaskOutliers } from '../../src-shared/indexing';
import type { DatasetDetail, DatasetState, DatasetSummary, ImportRequest, PairingSummary } from '../../src-shared/datasets';
import type { EngineData } from '../../src-shared/engine-protocol';
import { ApiError } from '../../src-shared/errors';
import type { IndexItem, IndexJobParams, IndexedImage } from '../../src-shared/indexing';
import { assignSplits, groupKey } from '../../src-shared/splits';
import { duplicateGroupsOf } from './duplicate-queries';
import type { SplitName, SplitRequest } from '../../src-shared/splits';
import type { Db } from '../db/connection';
import type { DatasetRow, ImageRow } from '../db/dataset-statements';
import type { Statements } from '../db/statements';
import type { JobService } from '../jobs/job-service';
import { datasetDetail, datasetSummary, parseClasses } from './dataset-queries';
import { describeEmptyScan, scanFolders } from './scan';
import type { ScanResult } from './scan';
import type { TypedJob } from '../jobs/job-service';
import { defaultSplit } from '../../src-shared/splits';

export interface DatasetServiceOptions {
  db: Db;
  statements: Statements;
  jobs: JobService;
  cacheDir: string;
  /** Where derived datasets' masks live (`<dir>/<dataset id>/`); removed with the dataset. */
  derivedRoot: string;
  onChanged: (datasetId: string) => void;
}

export const thumbSize = 192;

/**
 * The dataset catalogue: import (pair, then index in the engine), incremental re-index, classes
 * and splits. Main is the only writer: the engine streams index results and this service stores
 * each batch in one transaction, so the catalogue is consistent at every moment.
 */
export class DatasetService {
  constructor(private readonly options: DatasetServiceOptions) {
    options.jobs.handleKind('index', {
      onData: (job, data) => this.storeIndexResults(job, data),
      onEnd: (job) => this.settleIndexJob(job),
      // Indexing run by another SegBench process on this data directory: refresh what shows it.
      onRemoteUpdate: (job) => this.options.onChanged(job.params.datasetId),
    });
  }

  thumbDir(datasetId: string): string {
    return join(this.options.cacheDir, 'thumbs', datasetId);
  }

  async scan(imagesDir: string, masksDir?: string): Promise<PairingSummary> {
    return (await scanFolders(imagesDir, masksDir)).summary;
  }

  list(): DatasetSummary[] {
    return this.options.statements.datasetsAll.all().map((row) => datasetSummary(this.options.statements, row));
  }

  get(datasetId: string): DatasetDetail {
    return datasetDetail(this.options.statements, this.row(datasetId));
  }

  row(datasetId: string): DatasetRow {
    const row = this.options.statements.datasetById.get(datasetId);
    if (!row) throw new ApiError('NOT_FOUND', `No dataset with id ${datasetId}.`);
    return row;
  }

  async import(request: ImportRequest): Promise<DatasetSummary> {
    const { statements, db } = this.options;
    if (statements.datasetByName.get(request.name)) {
      throw new ApiError('CONFLICT', `A dataset named "${request.name}" already exists. Choose another name, or re-index that dataset to pick up changed files.`);
    }
    const scan = await scanFolders(request.imagesDir, request.masksDir);
    if (scan.report.pairs.length === 0) throw new ApiError('VALIDATION', describeEmptyScan(scan));
    const id = randomUUID();
    db.transaction(() => {
      statements.datasetInsert.run({
        id,
        name: request.name,
        images_dir: scan.imagesDir,
        masks_dir: scan.masksDir,
        preset: request.preset,
        pairing: JSON.stringify(scan.summary),
        created_at: new Date().toISOString(),
      });
      for (const pair of scan.report.pairs) {
        statements.imageInsert.run({ dataset_id: id, stem: pair.stem, image_path: pair.image.path, mask_path: pair.mask.path });
      }
    })();
    this.startIndexing(id);
    return datasetSummary(statements, this.row(id));
  }

  /**
   * Re-reads the folders: new pairs are added, vanished ones removed, and pairs whose files changed
   * (size or modification time) are indexed again, together with any left pending by a stopped job.
   */
  async reindex(datasetId: string): Promise<DatasetSummary> {
    const dataset = this.row(datasetId);
    if (this.options.jobs.activeJobs('index', (p) => p.datasetId === datasetId).length > 0) {
      throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is being indexed right now; wait for it to finish or stop it first.`);
    }
    if (dataset.origin) {
      // A merged or pseudo-labelled dataset has no folder of its own to scan: its rows are
      // checked against their files, and changed or missing ones are indexed again.
      const changed = await this.applyRestat(dataset);
      if (changed || this.options.statements.imagesPending.all(datasetId).length > 0) this.startIndexing(datasetId);
      else this.options.onChanged(datasetId);
      return datasetSummary(this.options.statements, this.row(datasetId));
    }
    const scan = await scanFolders(dataset.images_dir, dataset.masks_dir);
    const changed = await this.applyRescan(dataset, scan);
    if (changed || this.options.statements.imagesPending.all(datasetId).length > 0) this.startIndexing(datasetId);
    else this.options.onChanged(datasetId);
    return datasetSummary(this.options.statements, this.row(datasetId));
  }

  private async applyRescan(dataset: DatasetRow, scan: ScanResult): Promise<boolean> {
    const { statements, db } = this.options;
    const known = new Map(statements.imagesOfDataset.all(dataset.id).map((row) => [row.stem, row]));
    const { stat } = await import('node:fs/promises');
    const stamps = new Map<string, { image: number[]; mask: number[] }>();
    for (const pair of scan.report.pairs) {
      const [image, mask] = await Promise.all([stat(pair.image.path).catch(() => null), stat(pair.mask.path).catch(() => null)]);
      stamps.set(pair.stem, { image: [image?.size ?? -1, image?.mtimeMs ?? -1], mask: [mask?.size ?? -1, mask?.mtimeMs ?? -1] });
    }
    let changed = false;
    db.transaction(() => {
      for (const pair of scan.report.pairs) {
        const row = known.get(pair.stem);
        known.delete(pair.stem);
        if (!row) {
          statements.imageInsert.run({ dataset_id: dataset.id, stem: pair.stem, image_path: pair.image.path, mask_path: pair.mask.path });
          changed = true;
        } else if (row.image_path !== pair.image.path || row.mask_path !== pair.mask.path) {
          statements.imageSetPaths.run({ id: row.id, image_path: pair.image.path, mask_path: pair.mask.path });
          changed = true;
        } else if (isStale(row, stamps.get(pair.stem))) {
          statements.imageMarkPending.run(row.id);
          changed = true;
        }
      }
      for (const gone of known.values()) {
        statements.imageDelete.run(gone.id);
        changed = true;
      }
      statements.datasetSetPairing.run({ id: dataset.id, pairing: JSON.stringify(scan.summary) });
    })();
    return changed;
  }

  private async applyRestat(dataset: DatasetRow): Promise<boolean> {
    const { stat } = await import('node:fs/promises');
    const rows = this.options.statements.imagesOfDataset.all(dataset.id);
    const stale: number[] = [];
    for (const row of rows) {
      const [image, mask] = await Promise.all([stat(row.image_path).catch(() => null), stat(row.mask_path).catch(() => null)]);
      if (isStale(row, { image: [image?.size ?? -1, image?.mtimeMs ?? -1], mask: [mask?.size ?? -1, mask?.mtimeMs ?? -1] })) stale.push(row.id);
    }
    this.options.db.transaction(() => stale.forEach((id) => this.options.statements.imageMarkPending.run(id)))();
    return stale.length > 0;
  }

  /** Indexes the images still pending (after a derived dataset's masks are written). */
  indexPending(datasetId: string): void {
    this.startIndexing(datasetId);
  }

  private startIndexing(datasetId: string): void {
    const pending = this.options.statements.imagesPending.all(datasetId);
    const items: IndexItem[] = pending.map((row) => ({
      imageId: row.id,
      imagePath: row.image_path,
      maskPath: row.mask_path,
      ...(row.revision_path !== null && { revisionPath: row.revision_path }),
    }));
    const params: IndexJobParams = { datasetId, thumbDir: this.thumbDir(datasetId), thumbSize, items };
    const job = this.options.jobs.enqueue('index', params);
    this.options.statements.datasetSetJob.run({ id: datasetId, index_job_id: job.id, state: 'indexing' });
    this.options.onChanged(datasetId);
  }

  private storeIndexResults(job: TypedJob<'index'>, data: EngineData): void {
    if (data.kind !== 'indexed') return;
    const { statements, db } = this.options;
    const datasetId = job.params.datasetId;
    const dataset = statements.datasetById.get(datasetId);
    if (!dataset) return;
    const classes = parseClasses(dataset.classes);
    const map = classes.length > 0 ? classMapJson(classes) : null;
    db.transaction(() => {
      for (const result of data.images) storeOne(statements, result, map);
      const first = data.images.find((result) => result.ok);
      if (!dataset.mask_kind && first?.ok) statements.datasetSetMaskKind.run({ id: datasetId, mask_kind: first.maskKind });
    })();
    this.options.onChanged(datasetId);
  }

  private settleIndexJob(job: TypedJob<'index'>): void {
    const { statements, db } = this.options;
    const datasetId = job.params.datasetId;
    const dataset = statements.datasetById.get(datasetId);
    if (!dataset || dataset.index_job_id !== job.id) return;
    db.transaction(() => {
      this.flagNoisyMasks(datasetId);
      if (parseClasses(dataset.classes).length === 0) this.chooseClasses(dataset);
      if (!dataset.split_config) this.splitInTransaction({ datasetId, ...defaultSplit });
      const pending = statements.imagesPending.all(datasetId).length;
      const state: DatasetState = job.status === 'finished' && pending === 0 ? 'ready' : 'incomplete';
      statements.datasetSetJob.run({ id: datasetId, index_job_id: null, state });
    })();
    this.options.onChanged(datasetId);
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
    this.writeClasses(dataset.id, classes, kind, preset?.id ?? null);
  }

  setClasses(datasetId: string, classes: ClassDef[]): DatasetDetail {
    this.row(datasetId);
    this.options.db.transaction(() => this.writeClasses(datasetId, classes, null, null))();
    this.options.onChanged(datasetId);
    return this.get(datasetId);
  }

  private writeClasses(datasetId: string, classes: ClassDef[], kind: MaskKind | null, preset: string | null): void {
    const { statements } = this.options;
    statements.datasetSetClasses.run({ id: datasetId, classes: JSON.stringify(classes), mask_kind: kind });
    if (preset) statements.datasetSetPreset.run({ id: datasetId, preset });
    statements.classesClearDataset.run(datasetId);
    statements.classesBuildDataset.run({ dataset_id: datasetId, map: classMapJson(classes) });
  }

  split(request: SplitRequest): DatasetDetail {
    this.row(request.datasetId);
    this.options.db.transaction(() => this.splitInTransaction(request))();
    this.options.onChanged(request.datasetId);
    return this.get(request.datasetId);
  }

  private splitInTransaction(request: SplitRequest): void {
    const { statements } = this.options;
    let pattern: RegExp | undefined;
    if (request.groupPattern) {
      try {
        pattern = new RegExp(request.groupPattern);
      } catch (error) {
        throw new ApiError('VALIDATION', `groupPattern is not a valid regular expression: ${(error as Error).message}. Example: ^(tile\\d+)_`);
      }
    }
    const rows = statements.imagesOfDataset.all(request.datasetId);
    const keys = request.duplicateThreshold === undefined ? undefined : this.duplicateKeys(request.datasetId, rows, pattern, request.duplicateThreshold);
    const splits: SplitName[] = assignSplits(rows.map((row) => row.stem), request, request.seed, pattern, keys);
    rows.forEach((row, i) => statements.imageSetSplit.run({ id: row.id, split: splits[i] ?? 'train' }));
    const config = { seed: request.seed, train: request.train, val: request.val, test: request.test, groupPattern: request.groupPattern, duplicateThreshold: request.duplicateThreshold };
    statements.datasetSetSplitConfig.run({ id: request.datasetId, split_config: JSON.stringify(config) });
  }

  /**
   * Group keys that keep near-duplicates together: each image starts in its file-name group (or
   * alone), and every near-duplicate group joins the groups of its members.
   */
  private duplicateKeys(datasetId: string, rows: ImageRow[], pattern: RegExp | undefined, threshold: number): string[] {
    const { hashed, rows: signed, groups } = duplicateGroupsOf(this.options.statements, datasetId, threshold);
    if (hashed < signed.length) {
      throw new ApiError('VALIDATION', `${signed.length - hashed} of ${signed.length} images have no near-duplicate signature yet; run "Find near-duplicates" on the Duplicates tab first.`);
    }
    const parent = new Map<string, string>();
    const find = (key: string): string => {
      let root = key;
      while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
      return root;
    };
    const base = new Map(rows.map((row) => [row.id, groupKey(row.stem, pattern)]));
    for (const group of groups) {
      const roots = group.ids.map((id) => find(base.get(id) ?? String(id)));
      for (const root of roots.slice(1)) if (root !== roots[0]) parent.set(root, roots[0]!);
    }
    return rows.map((row) => find(base.get(row.id)!));
  }

  /** Removes the dataset from the catalogue with its thumbnails; the image and mask files stay untouched. */
  delete(datasetId: string): { deleted: boolean } {
    const dataset = this.row(datasetId);
    if (this.options.jobs.activeJobs('index', (p) => p.datasetId === datasetId).length > 0) {
      throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is being indexed; stop that job first.`);
    }
    if (this.options.jobs.activeJobs('derive', (p) => (p as { datasetId: string }).datasetId === datasetId).length > 0) {
      throw new ApiError('CONFLICT', `The masks of "${dataset.name}" are being written; stop that job first.`);
    }
    this.options.statements.datasetDelete.run(datasetId);
    rmSync(this.thumbDir(datasetId), { recursive: true, force: true });
    // SegBench's own masks of a merged or pseudo-labelled dataset go with it; imported files never do.
    if (dataset.origin) rmSync(join(this.options.derivedRoot, datasetId), { recursive: true, force: true });
    this.options.onChanged(datasetId);
    return { deleted: true };
  }
}

export function classMapJson(classes: readonly ClassDef[]): string {
  return JSON.stringify([...valueToClassMap(classes).entries()]);
}

function isStale(row: ImageRow, stamp: { image: number[]; mask: number[] } | undefined): boolean {
  if (!stamp) return true;
  return (
    row.image_size !== stamp.image[0] ||
    row.image_mtime !== stamp.image[1] ||
    row.mask_size !== stamp.mask[0] ||
    row.mask_mtime !== stamp.mask[1]
  );
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
}
