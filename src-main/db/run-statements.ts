import { effectiveMaskPath } from './dataset-statements';
import type { Db } from './connection';

export interface RunRow {
  id: string;
  name: string;
  dataset_id: string | null;
  job_id: string | null;
  model: string;
  config: string;
  status: string;
  created_at: string;
  run_dir: string | null;
  class_names: string;
  backend: string | null;
  device: string | null;
  reason: string | null;
  epochs_done: number;
  best_epoch: number | null;
  best_miou: number | null;
  started_at: string | null;
  ended_at: string | null;
  tags: string;
  notes: string;
  archived: number;
  corrected_masks: number | null;
  /** An imported model's record (JSON ImportedRun, run-queries.ts); null for runs SegBench trained. */
  external: string | null;
}

export interface EpochRow {
  epoch: number;
  train_loss: number | null;
  val_loss: number | null;
  lr: number | null;
  seconds: number | null;
  images_per_second: number | null;
  data_wait: number | null;
  miou: number | null;
  accuracy: number | null;
  is_best: number;
  validated_images: number | null;
  validation_total: number | null;
  judged_miou: number | null;
}

/** Training runs' SQL, named. */
export interface EvaluationRow {
  id: number;
  job_id: string;
  created_at: string;
  split: string;
  run_ids: string;
  run_names: string;
  class_names: string;
  tta: string | null;
  images: number;
  variants: string | null;
}

export function prepareRunStatements(db: Db) {
  return {
    trainClassPixels: db.prepare<[string], { id: number; total: number; class_index: number | null; pixels: number | null }>(
      `SELECT i.id, COALESCE(i.width * i.height, 0) AS total, c.class_index, c.pixels
       FROM images i LEFT JOIN image_classes c ON c.image_id = i.id
       WHERE i.dataset_id = ? AND i.split = 'train' AND i.state = 'indexed' ORDER BY i.id`,
    ),
    predictionsClear: db.prepare<[string, string, string]>('DELETE FROM run_predictions WHERE run_id = ? AND split = ? AND variant = ?'),
    predictionImagesClear: db.prepare<[string, string, string]>('DELETE FROM run_prediction_images WHERE run_id = ? AND split = ? AND variant = ?'),
    predictionPut: db.prepare<{ run_id: string; split: string; variant: string; epoch: number | null; images: number; created_at: string }>(
      `INSERT INTO run_predictions (run_id, split, variant, epoch, images, created_at) VALUES (@run_id, @split, @variant, @epoch, @images, @created_at)`,
    ),
    predictionImagePut: db.prepare<{
      run_id: string;
      split: string;
      variant: string;
      image_id: number;
      labelled: number;
      confusion: string;
      wrong_by_confidence: string;
    }>(
      `INSERT INTO run_prediction_images (run_id, split, variant, image_id, labelled, confusion, wrong_by_confidence)
       VALUES (@run_id, @split, @variant, @image_id, @labelled, @confusion, @wrong_by_confidence)`,
    ),
    predictionsOfRun: db.prepare<[string], { split: string; variant: string; epoch: number | null; images: number; created_at: string }>(
      'SELECT split, variant, epoch, images, created_at FROM run_predictions WHERE run_id = ? ORDER BY split, variant',
    ),
    predictionImagesOf: db.prepare<
      [string, string, string],
      { image_id: number; stem: string | null; revision_id: number | null; labelled: number; confusion: string; wrong_by_confidence: string }
    >(
      `SELECT p.image_id, i.stem, i.revision_id, p.labelled, p.confusion, p.wrong_by_confidence
       FROM run_prediction_images p LEFT JOIN images i ON i.id = p.image_id
       WHERE p.run_id = ? AND p.split = ? AND p.variant = ?`,
    ),
    runInsert: db.prepare<Pick<RunRow, 'id' | 'name' | 'dataset_id' | 'model' | 'config' | 'created_at' | 'run_dir' | 'class_names' | 'corrected_masks'>>(
      `INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, run_dir, class_names, corrected_masks)
       VALUES (@id, @name, @dataset_id, @model, @config, 'queued', @created_at, @run_dir, @class_names, @corrected_masks)`,
    ),
    runById: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
    /** An imported model's run: finished at once, no epochs, its model in `external`. */
    runInsertImported: db.prepare<
      Pick<RunRow, 'id' | 'name' | 'dataset_id' | 'job_id' | 'model' | 'config' | 'created_at' | 'run_dir' | 'class_names' | 'external' | 'backend' | 'device'>
    >(
      `INSERT INTO runs (id, name, dataset_id, job_id, model, config, status, created_at, started_at, ended_at, run_dir, class_names, external, backend, device)
       VALUES (@id, @name, @dataset_id, @job_id, @model, @config, 'finished', @created_at, @created_at, @created_at, @run_dir, @class_names, @external, @backend, @device)`,
    ),
    runsAll: db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY created_at DESC'),
    runsCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM runs'),
    runQueued: db.prepare<{ id: string; job_id: string }>("UPDATE runs SET status = 'queued', job_id = @job_id, reason = NULL, ended_at = NULL WHERE id = @id"),
    runStarted: db.prepare<{ id: string; backend: string; device: string; started_at: string }>(
      "UPDATE runs SET status = 'running', backend = @backend, device = @device, started_at = COALESCE(started_at, @started_at) WHERE id = @id",
    ),
    runEnded: db.prepare<{ id: string; status: string; reason: string | null; ended_at: string }>(
      'UPDATE runs SET status = @status, reason = @reason, ended_at = @ended_at WHERE id = @id',
    ),
    runProgress: db.prepare<{ id: string; epochs_done: number; best_epoch: number | null; best_miou: number | null }>(
      'UPDATE runs SET epochs_done = @epochs_done, best_epoch = @best_epoch, best_miou = @best_miou WHERE id = @id',
    ),
    runDelete: db.prepare<[string]>('DELETE FROM runs WHERE id = ?'),
    runUpdateMeta: db.prepare<{ id: string; name: string; tags: string; notes: string; archived: number }>(
      'UPDATE runs SET name = @name, tags = @tags, notes = @notes, archived = @archived WHERE id = @id',
    ),
    classCountsOfEpoch: db.prepare<[string, number], { class_index: number; tp: number; fp: number; fn: number }>(
      "SELECT class_index, tp, fp, fn FROM run_class_counts WHERE run_id = ? AND epoch = ? AND split = 'val' ORDER BY class_index",
    ),

    // Re-running an epoch after a resume replaces its rows.
    epochPut: db.prepare<EpochRow & { run_id: string; created_at: string }>(
      `INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, val_loss, lr, seconds, images_per_second, data_wait, miou, accuracy, is_best, validated_images, validation_total, judged_miou, created_at)
       VALUES (@run_id, @epoch, @train_loss, @val_loss, @lr, @seconds, @images_per_second, @data_wait, @miou, @accuracy, @is_best, @validated_images, @validation_total, @judged_miou, @created_at)`,
    ),
    epochsOfRun: db.prepare<[string], EpochRow>('SELECT * FROM run_epochs WHERE run_id = ? ORDER BY epoch'),
    epochOfRun: db.prepare<[string, number], EpochRow>('SELECT * FROM run_epochs WHERE run_id = ? AND epoch = ?'),
    epochsAfter: db.prepare<[string, number]>('DELETE FROM run_epochs WHERE run_id = ? AND epoch > ?'),
    classCountPut: db.prepare<[string, number, string, number, number, number, number]>(
      'INSERT OR REPLACE INTO run_class_counts (run_id, epoch, split, class_index, tp, fp, fn) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    classCountsOfRun: db.prepare<[string], { epoch: number; class_index: number; tp: number; fp: number; fn: number }>(
      "SELECT epoch, class_index, tp, fp, fn FROM run_class_counts WHERE run_id = ? AND split = 'val' ORDER BY epoch, class_index",
    ),
    imageCountPut: db.prepare<[string, number, number, number, number, number, number]>(
      'INSERT OR REPLACE INTO run_image_counts (run_id, epoch, image_id, class_index, tp, fp, fn) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    imageCountsOfEpoch: db.prepare<[string, number], { image_id: number; class_index: number; tp: number; fp: number; fn: number }>(
      'SELECT image_id, class_index, tp, fp, fn FROM run_image_counts WHERE run_id = ? AND epoch = ?',
    ),
    imageCountsWithStems: db.prepare<[string, number], { image_id: number; stem: string | null; class_index: number; tp: number; fp: number; fn: number }>(
      `SELECT c.image_id, i.stem, c.class_index, c.tp, c.fp, c.fn FROM run_image_counts c LEFT JOIN images i ON i.id = c.image_id
       WHERE c.run_id = ? AND c.epoch = ?`,
    ),
    weightsClear: db.prepare<[string]>('DELETE FROM hard_sample_weights WHERE run_id = ?'),
    weightPut: db.prepare<[string, number, number]>('INSERT INTO hard_sample_weights (run_id, image_id, weight) VALUES (?, ?, ?)'),
    weightsOfRun: db.prepare<[string], { image_id: number; weight: number }>('SELECT image_id, weight FROM hard_sample_weights WHERE run_id = ?'),
    weightSets: db.prepare<[], { run_id: string; name: string; n: number }>(
      'SELECT w.run_id, r.name, COUNT(*) AS n FROM hard_sample_weights w JOIN runs r ON r.id = w.run_id GROUP BY w.run_id ORDER BY r.created_at DESC',
    ),
    stepPut: db.prepare<[string, number, number, number, number]>('INSERT OR REPLACE INTO run_steps (run_id, step, epoch, loss, lr) VALUES (?, ?, ?, ?, ?)'),
    stepsOfRun: db.prepare<[string], { step: number; epoch: number; loss: number; lr: number }>(
      'SELECT step, epoch, loss, lr FROM run_steps WHERE run_id = ? ORDER BY step',
    ),
    eventPut: db.prepare<[string, string, string, string]>('INSERT INTO run_events (run_id, at, level, message) VALUES (?, ?, ?, ?)'),
    eventsOfRun: db.prepare<[string], { at: string; level: string; message: string }>('SELECT at, level, message FROM run_events WHERE run_id = ? ORDER BY id'),
    trainValImages: db.prepare<[string], { id: number; image_path: string; mask_path: string; split: string | null; revision_id: number | null }>(
      `SELECT i.id, i.image_path, ${effectiveMaskPath} AS mask_path, i.split, i.revision_id FROM images i
       WHERE i.dataset_id = ? AND i.state = 'indexed' AND i.split IN ('train', 'val') ORDER BY i.stem`,
    ),
    /** A split's indexed images with the mask in effect, for evaluation and stored predictions. */
    splitImages: db.prepare<[string, string], { id: number; image_path: string; mask_path: string }>(
      `SELECT i.id, i.image_path, ${effectiveMaskPath} AS mask_path FROM images i WHERE i.dataset_id = ? AND i.split = ? AND i.state = 'indexed' ORDER BY i.stem`,
    ),
    valImageSizes: db.prepare<[string], { width: number; height: number }>(
      "SELECT width, height FROM images WHERE dataset_id = ? AND split = 'val' AND state = 'indexed'",
    ),
    evaluationInsert: db.prepare<[string, string, string, string, string, string, string | null, number]>(
      `INSERT INTO evaluations (job_id, created_at, split, run_ids, run_names, class_names, tta, images) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    evaluationsAll: db.prepare<[], EvaluationRow>('SELECT * FROM evaluations ORDER BY id DESC'),
    evaluationById: db.prepare<[number], EvaluationRow>('SELECT * FROM evaluations WHERE id = ?'),
    evaluationSetVariants: db.prepare<[string, string]>('UPDATE evaluations SET variants = ? WHERE job_id = ?'),
    splitClassPixels: db.prepare<[string, string], { class_index: number; pixels: number }>(
      `SELECT c.class_index, SUM(c.pixels) AS pixels FROM image_classes c JOIN images i ON i.id = c.image_id
       WHERE i.dataset_id = ? AND i.split = ? AND i.state = 'indexed' GROUP BY c.class_index`,
    ),
  };
}
