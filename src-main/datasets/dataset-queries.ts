import type { ClassDef } from '../../src-shared/classes';
import { describeBands, parseBandLayout, rasterInfoSchema } from '../../src-shared/bands';
import { bandSampleSize, bandStatistics, bandSumsSchema } from '../../src-shared/band-stats';
import { classDefSchema, valueToClassMap } from '../../src-shared/classes';
import type {
  DatasetDetail,
  DatasetState,
  DatasetStats,
  DatasetSummary,
  ImageDetail,
  ImageListItem,
  ImagesRequest,
  SplitStats,
} from '../../src-shared/datasets';
import { pairingSummarySchema } from '../../src-shared/datasets';
import { ApiError } from '../../src-shared/errors';
import type { IndexProblemKind } from '../../src-shared/indexing';
import type { SplitName } from '../../src-shared/splits';
import { splitConfigSchema, splitNames } from '../../src-shared/splits';
import { parseStored, parseStoredOrNull } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import type { Db } from '../db/connection';
import type { DatasetRow, ImageRow } from '../db/dataset-statements';
import type { Statements } from '../db/statements';

/** Read-side of the catalogue: summaries, details, class statistics and filtered image lists. */

/**
 * datasets.classes: every class as stored (not the API's class-list rules: a dataset holds none
 * before indexing finds its values).
 */
const storedClassesSchema = z.array(classDefSchema);

/**
 * images.raster, `{ info, sums }` as indexing writes it, read in two halves: what the file holds,
 * and the per-band sums (the Statistics tab reads every image's, so the info is not parsed there).
 */
export const storedRasterInfoSchema = z.object({ info: rasterInfoSchema });
const storedRasterSumsSchema = z.object({ sums: z.array(bandSumsSchema) });

/** datasets.origin as derived-service writes it: a merge with its request, or pseudo-labels of a run at a threshold. */
const storedOriginSchema = z.object({
  kind: z.string(),
  request: z.object({ sources: z.array(z.object({ datasetId: z.string() })) }).optional(),
  runId: z.string().optional(),
  threshold: z.number().optional(),
});

/** A dataset's stored classes, parsed; `datasetId` names the row in the error when they are not what SegBench wrote. */
export function parseClasses(text: string, datasetId?: string): ClassDef[] {
  return parseStored(storedClassesSchema, text, datasetId === undefined ? "a dataset's classes" : `dataset ${datasetId}'s classes`);
}

export function datasetSummary(statements: Statements, row: DatasetRow): DatasetSummary {
  const counts = statements.datasetCounts.get(row.id) ?? { images: 0, indexed: 0, problems: 0 };
  return {
    id: row.id,
    name: row.name,
    // Indexed, but no image could be used (every one is a problem): not ready to train on.
    state: row.state === 'ready' && counts.indexed === 0 && counts.problems > 0 ? 'unusable' : (row.state as DatasetState),
    imageCount: counts.images,
    indexedCount: counts.indexed,
    problemCount: counts.problems,
    classCount: parseClasses(row.classes, row.id).length,
    createdAt: row.created_at,
    indexJobId: row.index_job_id,
    previewImageId: statements.datasetPreviewImage.get(row.id)?.id ?? null,
  };
}

export function datasetDetail(statements: Statements, row: DatasetRow): DatasetDetail {
  const classes = parseClasses(row.classes, row.id);
  const owner = valueToClassMap(classes);
  const values = statements.valuesOfDataset.all(row.id).map((v) => {
    const classIndex = owner.get(v.value) ?? null;
    return {
      ...v,
      classIndex,
      exampleImages: classIndex === null ? statements.imagesWithValue.all(row.id, v.value).map((r) => r.stem) : [],
    };
  });
  const splitCounts: DatasetDetail['splitCounts'] = { train: 0, val: 0, test: 0, none: 0 };
  for (const { split, n } of statements.splitCounts.all(row.id)) splitCounts[(split as SplitName | null) ?? 'none'] += n;
  return {
    ...datasetSummary(statements, row),
    imagesDir: row.images_dir,
    masksDir: row.masks_dir,
    maskKind: (row.mask_kind as DatasetDetail['maskKind']) ?? null,
    bands: parseBandLayout(row.bands),
    preset: row.preset,
    classes,
    pairing: parseStored(pairingSummarySchema, row.pairing, `dataset ${row.id}'s pairing report`),
    problems: statements.imageProblems.all(row.id).map((p) => ({
      imageId: p.id,
      stem: p.stem,
      kind: p.problem as IndexProblemKind,
      message: p.problem_message,
    })),
    values,
    unknownPixels: values.filter((v) => v.classIndex === null).reduce((sum, v) => sum + v.pixels, 0),
    splitCounts,
    splitConfig: parseStoredOrNull(splitConfigSchema, row.split_config || null, `dataset ${row.id}'s split config`),
    correctedCount: statements.revisedImagesOfDataset.get(row.id)?.n ?? 0,
    origin: describeOrigin(statements, row),
    alpha: alphaOf(statements, row.id),
  };
}

/** The dataset's RGB + alpha pictures: how many, what they hold in words, a few names. */
function alphaOf(statements: Statements, datasetId: string): DatasetDetail['alpha'] {
  const rows = statements.alphaImages.all(datasetId);
  const first = rows[0];
  if (!first) return null;
  const bands = describeBands(parseStored(storedRasterInfoSchema, first.raster, `image ${first.stem}'s raster info (dataset ${datasetId})`).info);
  return { images: rows.length, bands, examples: rows.slice(0, 5).map((r) => r.stem) };
}

/** How SegBench made a derived dataset, in words; null for an imported folder. */
function describeOrigin(statements: Statements, row: DatasetRow): string | null {
  if (!row.origin) return null;
  const parsed = parseStored(storedOriginSchema, row.origin, `dataset ${row.id}'s origin`);
  if (parsed.kind === 'merge') {
    const names = (parsed.request?.sources ?? []).map((s) => statements.datasetById.get(s.datasetId)?.name ?? '(removed dataset)');
    return `merged from ${names.join(' + ')}`;
  }
  const run = parsed.runId ? statements.runById.get(parsed.runId)?.name : undefined;
  return `pseudo-labels of run ${run ?? parsed.runId ?? '?'} at confidence ${parsed.threshold ?? '?'}`;
}

export function datasetStats(statements: Statements, row: DatasetRow): DatasetStats {
  const classes = parseClasses(row.classes, row.id);
  const groups: (SplitName | 'all')[] = ['all', ...splitNames];
  const empty = (): SplitStats['classes'] => classes.map(() => ({ pixels: 0, images: 0, share: 0 }));
  const bySplit = new Map(groups.map((g) => [g, { classes: empty(), images: 0 }]));
  for (const { split, n } of statements.indexedBySplit.all(row.id)) {
    bySplit.get('all')!.images += n;
    if (split) bySplit.get(split as SplitName)!.images += n;
  }
  for (const r of statements.classStatsBySplit.all(row.id)) {
    for (const key of ['all', r.split] as const) {
      const cell = key ? bySplit.get(key as SplitName | 'all')?.classes[r.class_index] : undefined;
      if (!cell) continue;
      cell.pixels += r.pixels;
      cell.images += r.images;
    }
  }
  const splits: SplitStats[] = groups.map((split) => {
    const group = bySplit.get(split)!;
    const counted = group.classes.filter((_, i) => !classes[i]?.ignore);
    const total = counted.reduce((sum, c) => sum + c.pixels, 0);
    group.classes.forEach((c, i) => (c.share = total > 0 && !classes[i]?.ignore ? c.pixels / total : 0));
    const shares = counted.map((c) => c.share).filter((share) => share > 0);
    const imbalanceRatio = shares.length >= 2 ? Math.max(...shares) / Math.min(...shares) : null;
    return { split, images: group.images, classes: group.classes, imbalanceRatio };
  });
  return { datasetId: row.id, classes, splits, bands: bandStatsOf(statements, row) };
}

/** Per band: exact mean and std from every image's sums, percentiles and histogram from their samples. */
function bandStatsOf(statements: Statements, row: DatasetRow): DatasetStats['bands'] {
  const layout = parseBandLayout(row.bands);
  if (!layout) return null;
  const rows = statements.rastersOfDataset.all(row.id);
  const train = rows.filter((r) => r.split === 'train');
  const used = train.length > 0 ? train : rows;
  const parsed = used.map((r) => ({
    sums: parseStored(storedRasterSumsSchema, r.raster, `image ${r.id}'s band sums (dataset ${row.id})`).sums,
    sample: r.band_sample ? new Float32Array(new Uint8Array(r.band_sample).buffer) : new Float32Array(0),
  }));
  const stats = layout.names.map((name, b) =>
    bandStatistics(
      b + 1,
      name,
      parsed.map((p) => p.sums[b]!).filter(Boolean),
      parsed.map((p) => p.sample.subarray(b * bandSampleSize, (b + 1) * bandSampleSize).filter((v) => !Number.isNaN(v))),
    ),
  );
  return { over: train.length > 0 ? 'train' : 'all', images: used.length, stats };
}

const naturalOrder = new Intl.Collator('en', { numeric: true });

const listCache = new WeakMap<Db, Map<string, ReturnType<Db['prepare']>>>();

/** Images of a dataset under the browser's filters; one statement per filter combination, cached. */
export function listImages(db: Db, request: ImagesRequest): { total: number; items: ImageListItem[] } {
  const where = ['i.dataset_id = @datasetId'];
  if (request.split === 'none') where.push('i.split IS NULL');
  else if (request.split) where.push('i.split = @split');
  if (request.problemsOnly) where.push("i.state = 'problem'");
  const withClass = request.classIndex !== undefined;
  const share = withClass ? 'CAST(COALESCE(c.pixels, 0) AS REAL) / (i.width * i.height)' : 'NULL';
  if (withClass) where.push('c.pixels > 0', `${share} >= @minShare`, `${share} <= @maxShare`);
  const byShare = withClass && request.sort === 'share';
  const order = byShare ? 'share DESC, i.stem' : 'i.stem';
  const sql = `SELECT i.id, i.stem, i.split, i.width, i.height, i.problem, ${share} AS share
    FROM images i ${withClass ? 'LEFT JOIN image_classes c ON c.image_id = i.id AND c.class_index = @classIndex' : ''}
    WHERE ${where.join(' AND ')} ORDER BY ${order}`;
  let cache = listCache.get(db);
  if (!cache) listCache.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  const items = statement.all({
    datasetId: request.datasetId,
    split: request.split ?? null,
    classIndex: request.classIndex ?? null,
    minShare: request.minShare,
    maxShare: request.maxShare,
  }) as ImageListItem[];
  // Names in natural order (Train/2 before Train/10), as a file browser lists them; SQLite sorts
  // by code points, so the rows are ordered again here (the database's order is kept for splits).
  items.sort((a, b) => (byShare ? (b.share ?? 0) - (a.share ?? 0) : 0) || naturalOrder.compare(a.stem, b.stem));
  return { total: items.length, items };
}

export function imageDetail(statements: Statements, imageId: number): ImageDetail {
  const row: ImageRow | undefined = statements.imageById.get(imageId);
  if (!row) throw new ApiError('NOT_FOUND', `No image with id ${imageId}.`);
  const dataset = statements.datasetById.get(row.dataset_id);
  const classCount = dataset ? parseClasses(dataset.classes, dataset.id).length : 0;
  const classPixels = new Array<number>(classCount).fill(0);
  for (const c of statements.classPixelsOfImage.all(imageId)) if (c.class_index < classCount) classPixels[c.class_index] = c.pixels;
  return {
    id: row.id,
    datasetId: row.dataset_id,
    raster: row.raster ? parseStored(storedRasterInfoSchema, row.raster, `image ${row.id}'s raster info`).info : null,
    stem: row.stem,
    split: row.split as SplitName | null,
    width: row.width,
    height: row.height,
    share: null,
    problem: row.problem as IndexProblemKind | null,
    problemMessage: row.problem_message,
    imagePath: row.image_path,
    maskPath: statements.imageEffectiveMask.get(imageId)?.path ?? row.mask_path,
    originalMaskPath: row.mask_path,
    revisionId: row.revision_id,
    classPixels,
    totalPixels: (row.width ?? 0) * (row.height ?? 0),
  };
}
