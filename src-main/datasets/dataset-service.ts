import { randomUUID } from 'node:crypto';
import { parseBandLayout } from '../../src-shared/bands';
import type { PixelValues } from '../../src-shared/datasets';
import { readGeoTiffPixel } from '../geotiff/geotiff-io';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassDef } from '../../src-shared/classes';
import type { DatasetDetail, DatasetSummary, ImportRequest, PairingSummary } from '../../src-shared/datasets';
import { ApiError } from '../../src-shared/errors';
import type { SplitRequest } from '../../src-shared/splits';
import type { Db } from '../db/connection';
import type { DatasetRow, ImageRow } from '../db/dataset-statements';
import type { JobRow, Statements } from '../db/statements';
import type { JobService } from '../jobs/job-service';
import { DatasetIndexing, writeClasses } from './dataset-indexing';
import { datasetDetail, datasetSummary } from './dataset-queries';
import { writeSplit } from './dataset-splits';
import { describeEmptyScan, scanFolders } from './scan';
import type { ScanResult } from './scan';

export { classMapJson, thumbSize } from './dataset-indexing';

interface DatasetServiceOptions {
  db: Db;
  statements: Statements;
  jobs: JobService;
  cacheDir: string;
  /** Where derived datasets' masks live (`<dir>/<dataset id>/`); removed with the dataset. */
  derivedRoot: string;
  onChanged: (datasetId: string) => void;
}

/**
 * The dataset catalogue: import (pair, then index in the engine), incremental re-index, classes
 * and splits. Main is the only writer: the engine streams index results and this service stores
 * each batch in one transaction, so the catalogue is consistent at every moment.
 */
export class DatasetService {
  private readonly indexing: DatasetIndexing;

  constructor(private readonly options: DatasetServiceOptions) {
    this.indexing = new DatasetIndexing({
      db: options.db,
      statements: options.statements,
      jobs: options.jobs,
      thumbDir: (id) => this.thumbDir(id),
      onChanged: options.onChanged,
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
      throw new ApiError(
        'CONFLICT',
        `A dataset named "${request.name}" already exists. Choose another name, or re-index that dataset to pick up changed files.`,
      );
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
    this.indexing.start(id);
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
      if (changed || this.options.statements.imagesPending.all(datasetId).length > 0) this.indexing.start(datasetId);
      else this.options.onChanged(datasetId);
      return datasetSummary(this.options.statements, this.row(datasetId));
    }
    const scan = await scanFolders(dataset.images_dir, dataset.masks_dir);
    const changed = await this.applyRescan(dataset, scan);
    if (changed || this.options.statements.imagesPending.all(datasetId).length > 0) this.indexing.start(datasetId);
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
    this.indexing.start(datasetId);
  }

  setClasses(datasetId: string, classes: ClassDef[]): DatasetDetail {
    this.row(datasetId);
    this.options.db.transaction(() => writeClasses(this.options.statements, datasetId, classes, null, null))();
    this.options.onChanged(datasetId);
    return this.get(datasetId);
  }

  /** Every band's value at one pixel of a multispectral image. */
  async pixel(imageId: number, x: number, y: number): Promise<PixelValues> {
    const row = this.options.statements.imageById.get(imageId);
    if (!row) throw new ApiError('NOT_FOUND', `No image with id ${imageId}.`);
    const layout = parseBandLayout(this.options.statements.datasetById.get(row.dataset_id)?.bands);
    if (!layout || !row.raster) throw new ApiError('VALIDATION', `Image ${row.stem} is not a multispectral GeoTIFF; its colours are its values.`);
    try {
      const { values, nodata } = await readGeoTiffPixel(row.image_path, x, y);
      return { x, y, names: layout.names, values, nodata: nodata !== null && values.some((v) => v === nodata) };
    } catch (error) {
      throw new ApiError(
        error instanceof RangeError ? 'VALIDATION' : 'NOT_FOUND',
        `Cannot read ${row.image_path} at (${x}, ${y}): ${(error as Error).message}`,
      );
    }
  }

  /** Names the bands of a multispectral dataset (runs keep band numbers, so nothing else changes). */
  renameBands(datasetId: string, names: string[]): DatasetDetail {
    const row = this.row(datasetId);
    const layout = parseBandLayout(row.bands);
    if (!layout) throw new ApiError('VALIDATION', `Dataset "${row.name}" has RGB images; only multispectral GeoTIFF datasets have bands to name.`);
    if (names.length !== layout.bands)
      throw new ApiError(
        'VALIDATION',
        `Dataset "${row.name}" has ${layout.bands} bands; give ${layout.bands} names, one a band in file order (got ${names.length}).`,
      );
    this.options.statements.datasetSetBands.run({ id: datasetId, bands: JSON.stringify({ ...layout, names }) });
    this.options.onChanged(datasetId);
    return this.get(datasetId);
  }

  split(request: SplitRequest): DatasetDetail {
    this.row(request.datasetId);
    this.options.db.transaction(() => writeSplit(this.options.statements, request))();
    this.options.onChanged(request.datasetId);
    return this.get(request.datasetId);
  }

  /**
   * A queued or running job, in any SegBench process on this data directory, that reads the
   * dataset: it names the dataset, one of its runs (training, evaluation, prediction,
   * distillation), or a folder of SegBench's that holds its id (revisions, derived masks).
   * Ids are UUIDs, so finding one in a job's parameters cannot be a coincidence.
   */
  private jobUsing(datasetId: string): JobRow | undefined {
    const runs = this.options.statements.runDirsOfDataset.all(datasetId);
    const needles = [datasetId, ...runs.map((r) => r.id), ...runs.flatMap((r) => (r.run_dir ? [JSON.stringify(r.run_dir).slice(1, -1)] : []))];
    const users = this.options.statements.jobsActive.all().filter((job) => needles.some((needle) => job.params.includes(needle)));
    return users.find((job) => job.status === 'running') ?? users[0];
  }

  /** Removes the dataset from the catalogue with its thumbnails; the image and mask files stay untouched. */
  delete(datasetId: string): { deleted: boolean } {
    const dataset = this.row(datasetId);
    if (this.options.jobs.activeJobs('index', (p) => p.datasetId === datasetId).length > 0) {
      throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is being indexed; stop that job first.`);
    }
    if (this.options.jobs.activeJobs('derive', (p) => p.datasetId === datasetId).length > 0) {
      throw new ApiError('CONFLICT', `The masks of "${dataset.name}" are being written; stop that job first.`);
    }
    if (this.options.jobs.activeJobs('label-errors', (p) => p.datasetId === datasetId).length > 0) {
      throw new ApiError('CONFLICT', `Label errors of "${dataset.name}" are being looked for; stop that job first.`);
    }
    const user = this.jobUsing(datasetId);
    if (user) {
      const where = user.owner_pid !== null ? ` in segbench ${user.owner_mode ?? '?'} (pid ${user.owner_pid})` : ' in the job queue';
      throw new ApiError(
        'CONFLICT',
        `Dataset "${dataset.name}" is used by a ${user.kind} job, ${user.status}${where}; stop that job (or wait for it to end), then delete the dataset.`,
      );
    }
    const checkDirs = this.options.statements.labelChecksOfDataset.all(datasetId).map((c) => c.out_dir);
    this.options.statements.datasetDelete.run(datasetId);
    rmSync(this.thumbDir(datasetId), { recursive: true, force: true });
    // A label-error check's fold models and maps belong to the dataset's catalogue entry.
    for (const dir of checkDirs) if (dir) rmSync(dir, { recursive: true, force: true });
    // SegBench's own masks of a merged or pseudo-labelled dataset go with it; imported files never do.
    if (dataset.origin) rmSync(join(this.options.derivedRoot, datasetId), { recursive: true, force: true });
    this.options.onChanged(datasetId);
    return { deleted: true };
  }
}

function isStale(row: ImageRow, stamp: { image: number[]; mask: number[] } | undefined): boolean {
  if (!stamp) return true;
  return row.image_size !== stamp.image[0] || row.image_mtime !== stamp.image[1] || row.mask_size !== stamp.mask[0] || row.mask_mtime !== stamp.mask[1];
}
