import type { Db } from './connection';

export interface DatasetRow {
  id: string;
  name: string;
  images_dir: string;
  masks_dir: string;
  classes: string;
  state: string;
  created_at: string;
  mask_kind: string | null;
  preset: string | null;
  pairing: string;
  index_job_id: string | null;
  split_config: string | null;
  origin: string | null;
  /** JSON BandLayout of a multispectral dataset; null for RGB. */
  bands: string | null;
}

export interface ImageRow {
  id: number;
  dataset_id: string;
  stem: string;
  image_path: string;
  mask_path: string;
  width: number | null;
  height: number | null;
  split: string | null;
  state: string;
  image_size: number | null;
  image_mtime: number | null;
  mask_size: number | null;
  mask_mtime: number | null;
  problem: string | null;
  problem_message: string | null;
  revision_id: number | null;
  /** JSON { info: RasterInfo, sums: BandSums[] } of a GeoTIFF image; null for RGB. */
  raster: string | null;
}

export interface RevisionRow {
  id: number;
  image_id: number;
  parent_id: number | null;
  path: string;
  action: string;
  detail: string;
  changed_pixels: number;
  created_at: string;
}

/** mask_revision_moves: an undo, redo, revert or restore (migration 19). */
export interface RevisionMoveRow {
  id: number;
  image_id: number;
  how: string;
  from_id: number | null;
  to_id: number | null;
  source: string | null;
  created_at: string;
}

/** The mask in effect for an image row aliased `i`: its current revision's file, or the original. */
const effectiveMaskSql = '(SELECT r.path FROM mask_revisions r WHERE r.id = i.revision_id)';
export const effectiveMaskPath = `COALESCE(${effectiveMaskSql}, i.mask_path)`;

/** The dataset catalogue's SQL, named. */
export function prepareDatasetStatements(db: Db) {
  return {
    datasetInsert: db.prepare<Pick<DatasetRow, 'id' | 'name' | 'images_dir' | 'masks_dir' | 'preset' | 'pairing' | 'created_at'>>(
      `INSERT INTO datasets (id, name, images_dir, masks_dir, classes, state, preset, pairing, created_at)
       VALUES (@id, @name, @images_dir, @masks_dir, '[]', 'indexing', @preset, @pairing, @created_at)`,
    ),
    datasetById: db.prepare<[string], DatasetRow>('SELECT * FROM datasets WHERE id = ?'),
    datasetByName: db.prepare<[string], DatasetRow>('SELECT * FROM datasets WHERE name = ? COLLATE NOCASE'),
    datasetsAll: db.prepare<[], DatasetRow>('SELECT * FROM datasets ORDER BY created_at DESC'),
    datasetSetState: db.prepare<{ id: string; state: string }>('UPDATE datasets SET state = @state WHERE id = @id'),
    datasetSetJob: db.prepare<{ id: string; index_job_id: string | null; state: string }>(
      'UPDATE datasets SET index_job_id = @index_job_id, state = @state WHERE id = @id',
    ),
    datasetSetClasses: db.prepare<{ id: string; classes: string; mask_kind: string | null }>(
      'UPDATE datasets SET classes = @classes, mask_kind = COALESCE(@mask_kind, mask_kind) WHERE id = @id',
    ),
    datasetSetPreset: db.prepare<{ id: string; preset: string }>('UPDATE datasets SET preset = @preset WHERE id = @id'),
    datasetSetBands: db.prepare<{ id: string; bands: string | null }>('UPDATE datasets SET bands = @bands WHERE id = @id'),
    imageSetRaster: db.prepare<{ id: number; raster: string | null; band_sample: Buffer | null }>(
      'UPDATE images SET raster = @raster, band_sample = @band_sample WHERE id = @id',
    ),
    indexedRasters: db.prepare<[string], { id: number; raster: string | null }>(
      "SELECT id, raster FROM images WHERE dataset_id = ? AND state = 'indexed' ORDER BY stem",
    ),
    rastersOfDataset: db.prepare<[string], { id: number; split: string | null; raster: string; band_sample: Buffer | null }>(
      "SELECT id, split, raster, band_sample FROM images WHERE dataset_id = ? AND state = 'indexed' AND raster IS NOT NULL ORDER BY stem",
    ),
    datasetSetMaskKind: db.prepare<{ id: string; mask_kind: string }>('UPDATE datasets SET mask_kind = @mask_kind WHERE id = @id AND mask_kind IS NULL'),
    datasetSetPairing: db.prepare<{ id: string; pairing: string }>('UPDATE datasets SET pairing = @pairing WHERE id = @id'),
    datasetSetSplitConfig: db.prepare<{ id: string; split_config: string }>('UPDATE datasets SET split_config = @split_config WHERE id = @id'),
    datasetDelete: db.prepare<[string]>('DELETE FROM datasets WHERE id = ?'),
    /** The dataset's first indexed image by name: its preview tile on the Datasets page. */
    datasetPreviewImage: db.prepare<[string], { id: number }>("SELECT id FROM images WHERE dataset_id = ? AND state = 'indexed' ORDER BY stem LIMIT 1"),
    datasetCounts: db.prepare<[string], { images: number; indexed: number; problems: number }>(
      `SELECT COUNT(*) AS images,
              COALESCE(SUM(state = 'indexed'), 0) AS indexed,
              COALESCE(SUM(state = 'problem'), 0) AS problems
       FROM images WHERE dataset_id = ?`,
    ),

    imageInsert: db.prepare<Pick<ImageRow, 'dataset_id' | 'stem' | 'image_path' | 'mask_path'>>(
      `INSERT INTO images (dataset_id, stem, image_path, mask_path, state) VALUES (@dataset_id, @stem, @image_path, @mask_path, 'pending')`,
    ),
    imageById: db.prepare<[number], ImageRow>('SELECT * FROM images WHERE id = ?'),
    imagesOfDataset: db.prepare<[string], ImageRow>('SELECT * FROM images WHERE dataset_id = ? ORDER BY stem'),
    /** The runs trained on a dataset, with their folders (what a job that reads the dataset names). */
    runDirsOfDataset: db.prepare<[string], { id: string; run_dir: string | null }>('SELECT id, run_dir FROM runs WHERE dataset_id = ?'),
    /** One image or mask of any dataset directly inside a folder (`prefix` is the folder with a trailing separator), with its dataset's name. */
    datasetFileInFolder: db.prepare<{ prefix: string; length: number }, { dataset: string; path: string }>(
      `SELECT d.name AS dataset, f.path FROM (SELECT dataset_id, image_path AS path FROM images UNION ALL SELECT dataset_id, mask_path FROM images) f
       JOIN datasets d ON d.id = f.dataset_id
       WHERE substr(f.path, 1, @length) = @prefix AND instr(substr(f.path, @length + 1), '/') = 0 AND instr(substr(f.path, @length + 1), '\\') = 0 LIMIT 1`,
    ),
    imagesPending: db.prepare<[string], ImageRow & { revision_path: string | null }>(
      `SELECT i.*, ${effectiveMaskSql} AS revision_path FROM images i WHERE i.dataset_id = ? AND i.state = 'pending' ORDER BY i.stem`,
    ),
    imageEffectiveMask: db.prepare<[number], { path: string }>(`SELECT ${effectiveMaskPath} AS path FROM images i WHERE i.id = ?`),
    imageSetRevision: db.prepare<{ id: number; revision_id: number | null }>('UPDATE images SET revision_id = @revision_id WHERE id = @id'),
    revisionInsert: db.prepare<Omit<RevisionRow, 'id'>>(
      `INSERT INTO mask_revisions (image_id, parent_id, path, action, detail, changed_pixels, created_at)
       VALUES (@image_id, @parent_id, @path, @action, @detail, @changed_pixels, @created_at)`,
    ),
    revisionsOfImage: db.prepare<[number], RevisionRow>('SELECT * FROM mask_revisions WHERE image_id = ? ORDER BY id'),
    revisionMoveInsert: db.prepare<Omit<RevisionMoveRow, 'id'>>(
      `INSERT INTO mask_revision_moves (image_id, how, from_id, to_id, source, created_at)
       VALUES (@image_id, @how, @from_id, @to_id, @source, @created_at)`,
    ),
    revisionMovesOfImage: db.prepare<[number], RevisionMoveRow>('SELECT * FROM mask_revision_moves WHERE image_id = ? ORDER BY id'),
    revisedImagesOfDataset: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ? AND revision_id IS NOT NULL'),
    effectiveMasksOfDataset: db.prepare<
      [string],
      { id: number; stem: string; image_path: string; mask_path: string; original_mask_path: string; revision_id: number | null }
    >(
      `SELECT i.id, i.stem, i.image_path, ${effectiveMaskPath} AS mask_path, i.mask_path AS original_mask_path, i.revision_id
       FROM images i WHERE i.dataset_id = ? AND i.state = 'indexed' ORDER BY i.stem`,
    ),
    imageSetPaths: db.prepare<{ id: number; image_path: string; mask_path: string }>(
      "UPDATE images SET image_path = @image_path, mask_path = @mask_path, state = 'pending' WHERE id = @id",
    ),
    imageMarkPending: db.prepare<[number]>("UPDATE images SET state = 'pending' WHERE id = ?"),
    imageDelete: db.prepare<[number]>('DELETE FROM images WHERE id = ?'),
    imageIndexed: db.prepare<{
      id: number;
      width: number;
      height: number;
      image_size: number;
      image_mtime: number;
      mask_size: number;
      mask_mtime: number;
    }>(
      `UPDATE images SET state = 'indexed', width = @width, height = @height, image_size = @image_size, image_mtime = @image_mtime,
              mask_size = @mask_size, mask_mtime = @mask_mtime, problem = NULL, problem_message = NULL WHERE id = @id`,
    ),
    imageProblem: db.prepare<{
      id: number;
      problem: string;
      problem_message: string;
      image_size: number | null;
      image_mtime: number | null;
      mask_size: number | null;
      mask_mtime: number | null;
    }>(
      `UPDATE images SET state = 'problem', problem = @problem, problem_message = @problem_message, image_size = @image_size,
              image_mtime = @image_mtime, mask_size = @mask_size, mask_mtime = @mask_mtime WHERE id = @id`,
    ),
    datasetSetOrigin: db.prepare<[string, string]>('UPDATE datasets SET origin = ? WHERE id = ?'),
    /** A merge source's indexed images with the mask in effect and per-class pixels (one row per class). */
    mergeSourceImages: db.prepare<
      [string],
      {
        id: number;
        stem: string;
        split: string | null;
        image_path: string;
        mask_path: string;
        total: number;
        class_index: number | null;
        pixels: number | null;
      }
    >(
      `SELECT i.id, i.stem, i.split, i.image_path, ${effectiveMaskPath} AS mask_path, COALESCE(i.width * i.height, 0) AS total, c.class_index, c.pixels
       FROM images i LEFT JOIN image_classes c ON c.image_id = i.id
       WHERE i.dataset_id = ? AND i.state = 'indexed' ORDER BY i.stem`,
    ),
    signaturePut: db.prepare<{ id: number; signature: Buffer; size: number; mtime: number }>(
      `INSERT INTO image_signatures (image_id, signature, image_size, image_mtime) SELECT @id, @signature, @size, @mtime WHERE EXISTS (SELECT 1 FROM images WHERE id = @id)
       ON CONFLICT (image_id) DO UPDATE SET signature = excluded.signature, image_size = excluded.image_size, image_mtime = excluded.image_mtime`,
    ),
    /** Indexed images with their signature when it belongs to the file as it is now. */
    signatureRows: db.prepare<[string], { id: number; stem: string; split: string | null; image_mtime: number | null; signature: Buffer | null }>(
      `SELECT i.id, i.stem, i.split, i.image_mtime,
              CASE WHEN s.image_size = i.image_size AND s.image_mtime = i.image_mtime THEN s.signature END AS signature
       FROM images i LEFT JOIN image_signatures s ON s.image_id = i.id
       WHERE i.dataset_id = ? AND i.state = 'indexed' ORDER BY i.id`,
    ),
    /** Indexed images whose signature is missing or older than their file. */
    unsignedImages: db.prepare<[string], { id: number; image_path: string; image_size: number; image_mtime: number }>(
      `SELECT i.id, i.image_path, i.image_size, i.image_mtime FROM images i LEFT JOIN image_signatures s ON s.image_id = i.id
       WHERE i.dataset_id = ? AND i.state = 'indexed' AND (s.image_id IS NULL OR s.image_size != i.image_size OR s.image_mtime != i.image_mtime)
       ORDER BY i.id`,
    ),
    /** Marks an indexed image as a problem found across the dataset (its file stamps stay, so it is re-checked when the file changes). */
    imageFlagProblem: db.prepare<{ id: number; problem: string; problem_message: string }>(
      "UPDATE images SET state = 'problem', problem = @problem, problem_message = @problem_message WHERE id = @id",
    ),
    distinctValuesPerImage: db.prepare<[string], { id: number; n: number }>(
      `SELECT v.image_id AS id, COUNT(*) AS n FROM image_values v JOIN images i ON i.id = v.image_id
       WHERE i.dataset_id = ? AND i.state = 'indexed' GROUP BY v.image_id`,
    ),
    imageSetSplit: db.prepare<{ id: number; split: string | null }>('UPDATE images SET split = @split WHERE id = @id'),
    imageProblems: db.prepare<[string], { id: number; stem: string; problem: string; problem_message: string }>(
      "SELECT id, stem, problem, problem_message FROM images WHERE dataset_id = ? AND state = 'problem' ORDER BY stem",
    ),
    /** Indexed images whose alpha band is dropped (an RGB + alpha TIFF records its bands to say so). */
    alphaImages: db.prepare<[string], { stem: string; raster: string }>(
      "SELECT stem, raster FROM images WHERE dataset_id = ? AND state = 'indexed' AND json_extract(raster, '$.info.alpha') = 1 ORDER BY stem",
    ),
    splitCounts: db.prepare<[string], { split: string | null; n: number }>(
      // Usable images only: a skipped (problem) or not yet indexed image is in no split that trains or evaluates.
      "SELECT split, COUNT(*) AS n FROM images WHERE dataset_id = ? AND state = 'indexed' GROUP BY split",
    ),

    valuesClear: db.prepare<[number]>('DELETE FROM image_values WHERE image_id = ?'),
    valueInsert: db.prepare<[number, number, number]>('INSERT INTO image_values (image_id, value, pixels) VALUES (?, ?, ?)'),
    valuesOfDataset: db.prepare<[string], { value: number; pixels: number; images: number }>(
      `SELECT v.value, SUM(v.pixels) AS pixels, COUNT(*) AS images
       FROM image_values v JOIN images i ON i.id = v.image_id
       WHERE i.dataset_id = ? AND i.state = 'indexed' GROUP BY v.value ORDER BY pixels DESC`,
    ),
    imagesWithValue: db.prepare<[string, number], { stem: string }>(
      `SELECT i.stem FROM image_values v JOIN images i ON i.id = v.image_id
       WHERE i.dataset_id = ? AND v.value = ? AND i.state = 'indexed' ORDER BY v.pixels DESC LIMIT 10`,
    ),

    // Rebuilds per-class pixels from mask values; @map is a JSON array of [value, classIndex].
    classesClearDataset: db.prepare<[string]>('DELETE FROM image_classes WHERE image_id IN (SELECT id FROM images WHERE dataset_id = ?)'),
    classesBuildDataset: db.prepare<{ dataset_id: string; map: string }>(
      `INSERT INTO image_classes (image_id, class_index, pixels)
       SELECT v.image_id, m.class_index, SUM(v.pixels)
       FROM image_values v
       JOIN images i ON i.id = v.image_id
       JOIN (SELECT json_extract(value, '$[0]') AS value, json_extract(value, '$[1]') AS class_index FROM json_each(@map)) m
         ON m.value = v.value
       WHERE i.dataset_id = @dataset_id AND i.state = 'indexed'
       GROUP BY v.image_id, m.class_index`,
    ),
    classesClearImage: db.prepare<[number]>('DELETE FROM image_classes WHERE image_id = ?'),
    classesBuildImage: db.prepare<{ image_id: number; map: string }>(
      `INSERT INTO image_classes (image_id, class_index, pixels)
       SELECT v.image_id, m.class_index, SUM(v.pixels)
       FROM image_values v
       JOIN (SELECT json_extract(value, '$[0]') AS value, json_extract(value, '$[1]') AS class_index FROM json_each(@map)) m
         ON m.value = v.value
       WHERE v.image_id = @image_id
       GROUP BY v.image_id, m.class_index`,
    ),
    classPixelsOfImage: db.prepare<[number], { class_index: number; pixels: number }>('SELECT class_index, pixels FROM image_classes WHERE image_id = ?'),
    classStatsBySplit: db.prepare<[string], { split: string | null; class_index: number; pixels: number; images: number }>(
      `SELECT i.split, c.class_index, SUM(c.pixels) AS pixels, COUNT(*) AS images
       FROM image_classes c JOIN images i ON i.id = c.image_id
       WHERE i.dataset_id = ? AND i.state = 'indexed' AND c.pixels > 0
       GROUP BY i.split, c.class_index`,
    ),
    indexedBySplit: db.prepare<[string], { split: string | null; n: number }>(
      "SELECT split, COUNT(*) AS n FROM images WHERE dataset_id = ? AND state = 'indexed' GROUP BY split",
    ),
  };
}
