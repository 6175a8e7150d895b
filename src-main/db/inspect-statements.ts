import type { Db } from './connection';

export interface PseudoSetRow {
  id: number;
  run_id: string;
  images_dir: string;
  out_dir: string;
  job_id: string;
  class_names: string;
  histogram: string | null;
  images: string | null;
  skipped: string;
  created_at: string;
  run_name: string | null;
}

export interface LabelCheckRow {
  id: number;
  dataset_id: string;
  job_id: string;
  folds: number;
  reuse_run_id: string | null;
  out_dir: string;
  class_names: string;
  params: string;
  thresholds: string | null;
  /** JSON CheckStrength (the strength gate), once the job has finished; NULL before migration 17. */
  strength: string | null;
  created_at: string;
  job_status: string | null;
  job_reason: string | null;
}

export interface LabelCheckImageRow {
  image_id: number;
  stem: string;
  fold: number;
  revision_id: number | null;
  current_revision_id: number | null;
  labelled: number | null;
  softmin: number | null;
  below: number | null;
  disagreement: number | null;
  flagged: number | null;
  pairs: string | null;
  review: string | null;
}

const labelCheckSelect = 'SELECT c.*, j.status AS job_status, j.reason AS job_reason FROM label_checks c LEFT JOIN jobs j ON j.id = c.job_id';

const pseudoSetSelect = 'SELECT s.*, r.name AS run_name FROM pseudo_label_sets s LEFT JOIN runs r ON r.id = s.run_id';

/** The statements of the Inspect services (pseudo-label sets, label-error checks). */
export function prepareInspectStatements(db: Db) {
  return {
    pseudoSetInsert: db.prepare<[string, string, string, string, string, string]>(
      'INSERT INTO pseudo_label_sets (run_id, images_dir, out_dir, job_id, class_names, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    pseudoSetStarted: db.prepare<[string, string, number]>('UPDATE pseudo_label_sets SET out_dir = ?, job_id = ? WHERE id = ?'),
    pseudoSetResult: db.prepare<[string, string, string, number]>('UPDATE pseudo_label_sets SET histogram = ?, images = ?, skipped = ? WHERE id = ?'),
    pseudoSetsAll: db.prepare<[], PseudoSetRow>(`${pseudoSetSelect} ORDER BY s.id DESC`),
    pseudoSetById: db.prepare<[number], PseudoSetRow>(`${pseudoSetSelect} WHERE s.id = ?`),
    labelCheckInsert: db.prepare<{
      dataset_id: string;
      job_id: string;
      folds: number;
      reuse_run_id: string | null;
      out_dir: string;
      class_names: string;
      params: string;
      created_at: string;
    }>(
      `INSERT INTO label_checks (dataset_id, job_id, folds, reuse_run_id, out_dir, class_names, params, created_at)
       VALUES (@dataset_id, @job_id, @folds, @reuse_run_id, @out_dir, @class_names, @params, @created_at)`,
    ),
    labelCheckSetJob: db.prepare<[string, string, string, number]>('UPDATE label_checks SET job_id = ?, out_dir = ?, params = ? WHERE id = ?'),
    labelCheckSetThresholds: db.prepare<[string, string, number]>('UPDATE label_checks SET thresholds = ?, strength = ? WHERE id = ?'),
    /** Width and height of a dataset's indexed images, for the fold models' pixel budget. */
    labelCheckImageSizes: db.prepare<[string], { width: number | null; height: number | null }>(
      "SELECT width, height FROM images WHERE dataset_id = ? AND state = 'indexed'",
    ),
    labelCheckById: db.prepare<[number], LabelCheckRow>(`${labelCheckSelect} WHERE c.id = ?`),
    labelChecksOfDataset: db.prepare<[string], LabelCheckRow>(`${labelCheckSelect} WHERE c.dataset_id = ? ORDER BY c.id DESC`),
    labelCheckImageInsert: db.prepare<[number, number, number, number | null]>(
      'INSERT INTO label_check_images (check_id, image_id, fold, revision_id) VALUES (?, ?, ?, ?)',
    ),
    labelCheckImageScore: db.prepare<{
      check_id: number;
      image_id: number;
      labelled: number;
      softmin: number | null;
      below: number;
      disagreement: number;
      flagged: number;
      pairs: string;
    }>(
      `UPDATE label_check_images SET labelled = @labelled, softmin = @softmin, below = @below, disagreement = @disagreement, flagged = @flagged, pairs = @pairs
       WHERE check_id = @check_id AND image_id = @image_id`,
    ),
    labelCheckImages: db.prepare<[number], LabelCheckImageRow>(
      `SELECT l.*, i.stem, i.revision_id AS current_revision_id FROM label_check_images l JOIN images i ON i.id = l.image_id WHERE l.check_id = ? ORDER BY i.stem`,
    ),
    labelCheckImageReview: db.prepare<[string | null, string | null, number, number]>(
      'UPDATE label_check_images SET review = ?, reviewed_at = ? WHERE check_id = ? AND image_id = ?',
    ),
  };
}
