import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { ClassDef } from '../../src-shared/classes';
import { ApiError } from '../../src-shared/errors';
import { maxMaskValues } from '../../src-shared/indexing';
import { countMaskValues } from '../../src-shared/mask-values';
import { readMask } from './mask-file';
import type { MaskValues } from './mask-file';
import { coveredPixels, rasterizeRegion } from '../../src-shared/raster';
import { redoTarget, undoTarget } from '../../src-shared/revisions';
import type {
  CreateRevisionRequest,
  ExportJobParams,
  ImageRevisions,
  RevisionAction,
  RevisionInfo,
  RevisionMove,
  RevisionMoveHow,
} from '../../src-shared/revisions';
import type { JobService } from '../jobs/job-service';
import type { Db } from '../db/connection';
import type { ImageRow, RevisionMoveRow, RevisionRow } from '../db/dataset-statements';
import type { Statements } from '../db/statements';
import { parseStored } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import { parseClasses } from './dataset-queries';
import { classMapJson, thumbSize } from './dataset-service';
import type { TypedJob } from '../jobs/job-service';

/**
 * revisions.detail: what made a revision, for its one-line summary. Accepted labels name their run
 * (runId, runName) or their source (a label check, with its id); painting names its class; region
 * is the pixels of the drawn region, null for the whole image.
 */
const revisionDetailSchema = z.object({
  runId: z.string().optional(),
  runName: z.string().optional(),
  source: z.string().optional(),
  checkId: z.number().optional(),
  className: z.string().optional(),
  region: z.number().nullable().optional(),
});
type RevisionDetail = z.output<typeof revisionDetailSchema>;

/** runs.class_names: the training class names, in label order. */
const classNamesSchema = z.array(z.string());

interface RevisionServiceOptions {
  db: Db;
  statements: Statements;
  dataDir: string;
  cacheDir: string;
  jobs: JobService;
  onChanged: (datasetId: string) => void;
}

/**
 * Label corrections. A change decodes the mask in effect, applies the prediction or the brush
 * inside the region, writes a new PNG under `<dataDir>/revisions/<datasetId>/` (same kind of
 * mask as the dataset's, so every reader works unchanged) and points the image at it. The
 * original file is only ever read. The image's value counts, class pixels and mask thumbnail
 * are refreshed from the mask in effect, so statistics, filters and the next run follow.
 */
export class RevisionService {
  constructor(private readonly options: RevisionServiceOptions) {}

  list(imageId: number): ImageRevisions {
    const image = this.image(imageId);
    const items = this.options.statements.revisionsOfImage.all(imageId).map((row) => this.info(row));
    const current = image.revision_id;
    return {
      imageId,
      stem: image.stem,
      originalPath: image.mask_path,
      effectivePath: items.find((r) => r.id === current)?.path ?? image.mask_path,
      current,
      items,
      moves: this.options.statements.revisionMovesOfImage.all(imageId).map((row) => moveInfo(row, items)),
      undoTo: undoTarget(items, current),
      redoTo: redoTarget(items, current),
    };
  }

  /**
   * Accepts labels that are not a run's stored prediction (a label-error check's out-of-fold
   * prediction) inside a pixel mask, as a revision like any other.
   */
  acceptLabels(imageId: number, source: LabelSource): Promise<ImageRevisions> {
    return this.create({ action: 'accept-prediction', imageId, runId: source.name }, source);
  }

  async create(request: CreateRevisionRequest, source?: LabelSource): Promise<ImageRevisions> {
    const image = this.image(request.imageId);
    const dataset = this.options.statements.datasetById.get(image.dataset_id);
    if (!dataset) throw new ApiError('NOT_FOUND', `The dataset of image ${image.stem} no longer exists.`);
    if (image.state !== 'indexed' || !image.width || !image.height) {
      throw new ApiError(
        'CONFLICT',
        `Image ${image.stem} is ${image.state}${image.problem_message ? ` (${image.problem_message})` : ''}; only indexed images can be corrected.`,
      );
    }
    await this.assertOriginalUnchanged(image);
    const classes = parseClasses(dataset.classes, dataset.id);
    const current = await readMask(this.options.statements.imageEffectiveMask.get(image.id)?.path ?? image.mask_path);
    if (current.width !== image.width || current.height !== image.height) {
      throw new ApiError('CONFLICT', `The mask in effect is ${current.width}x${current.height} but the image is ${image.width}x${image.height}.`);
    }
    const pixels = current.width * current.height;
    const inside = source ? source.inside : request.region ? rasterizeRegion(request.region, current.width, current.height) : null;
    if (inside && coveredPixels(inside) === 0) throw new ApiError('VALIDATION', 'The region covers no pixel of the image; draw it over the image.');
    const ignored = new Set(classes.filter((c) => c.ignore).flatMap((c) => c.values));
    const next = current.values.slice();
    let detail: RevisionDetail;
    if (request.action === 'accept-prediction') {
      const { labels, valueOfLabel, runName } = source ? labelsOf(source, image, classes) : await this.prediction(request.runId, image, classes);
      for (let p = 0; p < pixels; p += 1) {
        if (inside && inside[p] === 0) continue;
        // The ignore class marks pixels nobody labels (no data, borders): a prediction does not overwrite them.
        if (ignored.has(current.values[p]!)) continue;
        const value = valueOfLabel[labels[p]!];
        if (value !== undefined) next[p] = value;
      }
      const region = inside ? coveredPixels(inside) : null;
      detail = source
        ? { source: source.name, ...(source.checkId !== undefined && { checkId: source.checkId }), region }
        : { runId: request.runId, runName, region };
    } else {
      const target = classes[request.classIndex];
      if (!target)
        throw new ApiError('VALIDATION', `classIndex must be below ${classes.length} (the dataset's classes: ${classes.map((c) => c.name).join(', ')}).`);
      const value = target.values[0]!;
      // A pixel already of the class keeps its value (a class may own several mask values): painting
      // the class it has changes nothing, so it is no change to make a revision of.
      const owned = new Set(target.values);
      for (let p = 0; p < pixels; p += 1) if (inside![p] === 1 && !owned.has(current.values[p]!)) next[p] = value;
      detail = { className: target.name, region: coveredPixels(inside!) };
    }
    let changed = 0;
    for (let p = 0; p < pixels; p += 1) if (next[p] !== current.values[p]) changed += 1;
    if (changed === 0) {
      throw new ApiError(
        'VALIDATION',
        request.action === 'accept-prediction'
          ? 'The prediction already agrees with the mask everywhere it may change it; no revision was made.'
          : 'Every pixel in the region already has that class; no revision was made.',
      );
    }
    const path = await this.writeRevisionFile(image, { ...current, values: next });
    const id = this.options.db.transaction(() => {
      const row = this.options.statements.revisionInsert.run({
        image_id: image.id,
        parent_id: image.revision_id,
        path,
        action: request.action,
        detail: JSON.stringify(detail),
        changed_pixels: changed,
        created_at: new Date().toISOString(),
      });
      return Number(row.lastInsertRowid);
    })();
    await this.switchTo(image, id, next, current);
    return this.list(image.id);
  }

  /** `source`: what asked for it beyond a viewer (`label check #3's queue`), for the recorded move. */
  async undo(imageId: number, source?: string): Promise<ImageRevisions> {
    const state = this.list(imageId);
    if (state.undoTo === undefined) throw new ApiError('CONFLICT', `Image ${state.stem} shows its original mask; there is nothing to undo.`);
    return this.restore(imageId, state.undoTo, { how: 'undo', source });
  }

  async redo(imageId: number, source?: string): Promise<ImageRevisions> {
    const state = this.list(imageId);
    if (state.redoTo === undefined) throw new ApiError('CONFLICT', `Image ${state.stem} has no later revision to redo.`);
    return this.restore(imageId, state.redoTo, { how: 'redo', source });
  }

  /**
   * Puts a revision (or, with null, the original mask) in effect, and records the move (a revert
   * or a restore unless said otherwise). Nothing is deleted and no file is written: every
   * revision's file stays, and the original is only ever read.
   */
  async restore(imageId: number, revisionId: number | null, move?: { how: RevisionMoveHow; source?: string | undefined }): Promise<ImageRevisions> {
    const image = this.image(imageId);
    const rows = this.options.statements.revisionsOfImage.all(imageId);
    const target = revisionId === null ? null : rows.find((r) => r.id === revisionId);
    if (target === undefined)
      throw new ApiError('NOT_FOUND', `Image ${image.stem} has no revision ${revisionId}; its revisions: ${rows.map((r) => r.id).join(', ') || 'none'}.`);
    const path = target?.path ?? image.mask_path;
    let mask: MaskValues;
    try {
      mask = await readMask(path);
    } catch (error) {
      throw new ApiError('CONFLICT', `Cannot read ${path}: ${(error as Error).message}. The mask in effect is unchanged.`);
    }
    const to = target?.id ?? null;
    // Putting in effect the mask that is in effect moves nothing, so there is nothing to record.
    const recorded = to === image.revision_id ? undefined : { how: move?.how ?? (to === null ? 'revert' : 'restore'), source: move?.source ?? null };
    await this.switchTo(image, to, mask.values, mask, recorded);
    return this.list(imageId);
  }

  /**
   * "Export corrected dataset": every indexed image and the mask in effect, copied into
   * `<dir>/images` and `<dir>/masks` (a corrected mask keeps the original's name, with .png),
   * plus `segbench-export.json` with the classes and which masks were corrected. In the engine,
   * with progress; the folder must be new or empty.
   */
  async exportCorrected(datasetId: string, dir: string): Promise<TypedJob<'export'>> {
    const { statements } = this.options;
    const dataset = statements.datasetById.get(datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${datasetId}.`);
    if (!isAbsolute(dir)) throw new ApiError('VALIDATION', `The export folder must be an absolute path; got "${dir}".`);
    const target = resolve(dir);
    const entries = await readdir(target).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : null));
    if (entries === null) throw new ApiError('VALIDATION', `${target} is not a folder that can be read.`);
    if (entries.length > 0) throw new ApiError('VALIDATION', `${target} is not empty; export into a new or empty folder so nothing is overwritten.`);
    const rows = statements.effectiveMasksOfDataset.all(datasetId);
    if (rows.length === 0) throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has no indexed images to export.`);
    const files: ExportJobParams['files'] = [];
    const corrected: { stem: string; mask: string; revisionId: number }[] = [];
    for (const row of rows) {
      const mask = `${basename(row.original_mask_path, extname(row.original_mask_path))}${extname(row.mask_path)}`;
      // Nested datasets keep their sub-folders (train/, val/): the stem's folder part.
      const folder = row.stem.includes('/') ? row.stem.slice(0, row.stem.lastIndexOf('/')) : '';
      files.push({ from: row.image_path, to: join(target, 'images', folder, basename(row.image_path)) });
      files.push({ from: row.mask_path, to: join(target, 'masks', folder, mask) });
      if (row.revision_id !== null) corrected.push({ stem: row.stem, mask, revisionId: row.revision_id });
    }
    const manifest = {
      dataset: dataset.name,
      exportedAt: new Date().toISOString(),
      images: rows.length,
      classes: parseClasses(dataset.classes, dataset.id),
      maskKind: dataset.mask_kind,
      corrected,
    };
    const params: ExportJobParams = {
      datasetId,
      dir: target,
      files,
      manifestPath: join(target, 'segbench-export.json'),
      manifest: `${JSON.stringify(manifest, null, 2)}\n`,
    };
    return this.options.jobs.enqueue('export', params);
  }

  /** The original mask must still be the file that was indexed, or corrections would be made on a different mask. */
  private async assertOriginalUnchanged(image: ImageRow): Promise<void> {
    const stats = await stat(image.mask_path).catch(() => null);
    if (!stats)
      throw new ApiError('CONFLICT', `The original mask ${image.mask_path} is missing on disk. Restore it or re-index the dataset; revisions are kept.`);
    if (stats.size !== image.mask_size || Math.abs(stats.mtimeMs - (image.mask_mtime ?? 0)) > 1) {
      throw new ApiError(
        'CONFLICT',
        `The mask ${image.mask_path} changed on disk since it was indexed (size ${image.mask_size} -> ${stats.size}). Re-index the dataset first, then correct it; existing revisions are kept.`,
      );
    }
  }

  /** The run's stored prediction of this image as labels, and each label's mask value in this dataset. */
  private async prediction(
    runId: string,
    image: ImageRow,
    classes: ClassDef[],
  ): Promise<{ labels: Uint8Array; valueOfLabel: (number | undefined)[]; runName: string }> {
    const run = this.options.statements.runById.get(runId);
    if (!run) throw new ApiError('NOT_FOUND', `No run with id ${runId}.`);
    if (run.dataset_id !== image.dataset_id)
      throw new ApiError('VALIDATION', `Run "${run.name}" was trained on another dataset; its predictions cannot correct this one.`);
    const path = run.run_dir ? join(run.run_dir, 'predictions', 'val', `${image.id}_index.png`) : '';
    const exists = path ? await stat(path).catch(() => null) : null;
    if (!exists)
      throw new ApiError('NOT_FOUND', `Run "${run.name}" has no stored prediction of ${image.stem}; predict its validation images on the Inspect page first.`);
    const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    if (info.width !== image.width || info.height !== image.height) {
      throw new ApiError('CONFLICT', `The stored prediction is ${info.width}x${info.height} but the image is ${image.width}x${image.height}; predict again.`);
    }
    const names = parseStored(classNamesSchema, run.class_names, `run ${run.id}'s class names`);
    const valueOfLabel = names.map((name) => classes.find((c) => c.name === name && !c.ignore)?.values[0]);
    const missing = names.filter((_, label) => valueOfLabel[label] === undefined);
    if (missing.length === names.length)
      throw new ApiError('CONFLICT', `None of run "${run.name}"'s classes (${names.join(', ')}) is a class of this dataset any more.`);
    return { labels: new Uint8Array(data.buffer, data.byteOffset, data.length), valueOfLabel, runName: run.name };
  }

  private async writeRevisionFile(image: ImageRow, mask: MaskValues): Promise<string> {
    const dir = join(this.options.dataDir, 'revisions', image.dataset_id);
    const path = join(dir, `${image.id}-${Date.now()}.png`);
    const temp = `${path}.tmp`;
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(temp, await encodeMask(mask));
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw new ApiError(
        'STORAGE',
        `Cannot write the corrected mask to ${dir}: ${(error as Error).message}. Nothing was changed; free some space and try again.`,
      );
    }
    return path;
  }

  /**
   * Puts `path` in effect and refreshes the image's value counts, class pixels and mask thumbnail;
   * with `move`, records it (undo, redo, revert, restore) in the same transaction.
   */
  private async switchTo(
    image: ImageRow,
    revisionId: number | null,
    values: Uint32Array,
    shape: MaskValues,
    move?: { how: RevisionMoveHow; source: string | null },
  ): Promise<void> {
    const { statements, db } = this.options;
    const counts = countMaskValues(values, 1, maxMaskValues) ?? new Map<number, number>();
    const dataset = statements.datasetById.get(image.dataset_id);
    const classes = dataset ? parseClasses(dataset.classes, dataset.id) : [];
    db.transaction(() => {
      if (move) {
        statements.revisionMoveInsert.run({
          image_id: image.id,
          how: move.how,
          from_id: image.revision_id,
          to_id: revisionId,
          source: move.source,
          created_at: new Date().toISOString(),
        });
      }
      statements.imageSetRevision.run({ id: image.id, revision_id: revisionId });
      statements.valuesClear.run(image.id);
      for (const [value, n] of counts) statements.valueInsert.run(image.id, value, n);
      statements.classesClearImage.run(image.id);
      if (classes.length > 0) statements.classesBuildImage.run({ image_id: image.id, map: classMapJson(classes) });
    })();
    try {
      const thumb = await sharp(await encodeMask({ ...shape, values }))
        .resize({ width: thumbSize, height: thumbSize, fit: 'inside', kernel: 'nearest' })
        .png({ compressionLevel: 3 })
        .toBuffer();
      const thumbPath = join(this.options.cacheDir, 'thumbs', image.dataset_id, `${image.id}.mask.png`);
      await writeFile(`${thumbPath}.tmp`, thumb);
      await rename(`${thumbPath}.tmp`, thumbPath);
    } catch {
      // A thumbnail is a cache: re-indexing rebuilds it. The revision itself is stored.
    }
    this.options.onChanged(image.dataset_id);
  }

  private image(imageId: number): ImageRow {
    const image = this.options.statements.imageById.get(imageId);
    if (!image) throw new ApiError('NOT_FOUND', `No image with id ${imageId}.`);
    return image;
  }

  private info(row: RevisionRow): RevisionInfo {
    const detail = parseStored(revisionDetailSchema, row.detail, `revision ${row.id}'s detail`);
    const where = detail.region ? `in a region of ${detail.region.toLocaleString('en-US')} px` : 'whole image';
    const summary =
      row.action !== 'accept-prediction'
        ? `painted ${detail.className ?? '?'} (${where})`
        : detail.source
          ? `accepted the out-of-fold prediction of ${detail.source} (${where})`
          : `accepted the prediction of run "${detail.runName ?? '?'}" (${where})`;
    return {
      id: row.id,
      parentId: row.parent_id,
      action: row.action as RevisionAction,
      summary,
      changedPixels: row.changed_pixels,
      createdAt: row.created_at,
      path: row.path,
      checkId: detail.checkId ?? labelCheckOf(detail.source),
    };
  }
}

/** The label check a revision's source names (`label check #3, fold 2 model`), for revisions stored before the detail kept its id. */
function labelCheckOf(source: string | undefined): number | null {
  const match = source === undefined ? null : /^label check #(\d+)(?:,|$)/.exec(source);
  return match ? Number(match[1]) : null;
}

/** A recorded move as a person reads it; revisions are numbered 1, 2, ... in the order they were made. */
function moveInfo(row: RevisionMoveRow, items: readonly RevisionInfo[]): RevisionMove {
  const how = row.how as RevisionMoveHow;
  const named = (id: number | null): string => (id === null ? 'the original' : `revision ${items.findIndex((r) => r.id === id) + 1}`);
  const what =
    how === 'undo'
      ? `undid ${named(row.from_id)}, back to ${named(row.to_id)}`
      : how === 'redo'
        ? `redid ${named(row.to_id)}`
        : row.to_id === null
          ? 'reverted to the original'
          : `put ${named(row.to_id)} back in effect`;
  return { id: row.id, how, fromId: row.from_id, toId: row.to_id, summary: row.source ? `${what} (from ${row.source})` : what, createdAt: row.created_at };
}

/** Labels from elsewhere than a run's stored prediction: one per pixel, in `classNames`' order, applied inside `inside`. */
interface LabelSource {
  /** What the revision history names as its source: `label check #3`. */
  name: string;
  /** The label check, when one made the labels. */
  checkId?: number;
  labels: Uint8Array;
  width: number;
  height: number;
  classNames: readonly string[];
  inside: Uint8Array | null;
}

function labelsOf(source: LabelSource, image: ImageRow, classes: ClassDef[]): { labels: Uint8Array; valueOfLabel: (number | undefined)[]; runName: string } {
  if (source.width !== image.width || source.height !== image.height) {
    throw new ApiError(
      'CONFLICT',
      `The prediction of ${source.name} is ${source.width}x${source.height} but the image is ${image.width}x${image.height}; run the check again.`,
    );
  }
  const valueOfLabel = source.classNames.map((name) => classes.find((c) => c.name === name && !c.ignore)?.values[0]);
  if (valueOfLabel.every((v) => v === undefined))
    throw new ApiError('CONFLICT', `None of ${source.name}'s classes (${source.classNames.join(', ')}) is a class of this dataset any more.`);
  return { labels: source.labels, valueOfLabel, runName: source.name };
}

/** Encodes packed values as a lossless PNG of the mask's own kind. */
async function encodeMask(mask: MaskValues): Promise<Buffer> {
  const pixels = mask.width * mask.height;
  if (mask.channels === 3) {
    const rgb = Buffer.alloc(pixels * 3);
    for (let p = 0; p < pixels; p += 1) {
      const v = mask.values[p]!;
      rgb[p * 3] = v >> 16;
      rgb[p * 3 + 1] = (v >> 8) & 255;
      rgb[p * 3 + 2] = v & 255;
    }
    return sharp(rgb, { raw: { width: mask.width, height: mask.height, channels: 3 } })
      .png({ compressionLevel: 6 })
      .toBuffer();
  }
  if (mask.sixteenBit) {
    const words = new Uint16Array(pixels);
    for (let p = 0; p < pixels; p += 1) words[p] = mask.values[p]!;
    return sharp(words, { raw: { width: mask.width, height: mask.height, channels: 1 } })
      .toColourspace('grey16')
      .png({ compressionLevel: 6 })
      .toBuffer();
  }
  const bytes = Buffer.alloc(pixels);
  for (let p = 0; p < pixels; p += 1) bytes[p] = mask.values[p]!;
  return sharp(bytes, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
}
