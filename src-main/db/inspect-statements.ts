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

const pseudoSetSelect = 'SELECT s.*, r.name AS run_name FROM pseudo_label_sets s LEFT JOIN runs r ON r.id = s.run_id';

/** The statements of the Inspect services (pseudo-label sets). */
export function prepareInspectStatements(db: Db) {
  return {
    pseudoSetInsert: db.prepare<[string, string, string, string, string, string]>(
      'INSERT INTO pseudo_label_sets (run_id, images_dir, out_dir, job_id, class_names, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    pseudoSetStarted: db.prepare<[string, string, number]>('UPDATE pseudo_label_sets SET out_dir = ?, job_id = ? WHERE id = ?'),
    pseudoSetResult: db.prepare<[string, string, string, number]>('UPDATE pseudo_label_sets SET histogram = ?, images = ?, skipped = ? WHERE id = ?'),
    pseudoSetsAll: db.prepare<[], PseudoSetRow>(`${pseudoSetSelect} ORDER BY s.id DESC`),
    pseudoSetById: db.prepare<[number], PseudoSetRow>(`${pseudoSetSelect} WHERE s.id = ?`),
  };
}
