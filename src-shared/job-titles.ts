import type { JobKind } from './jobs';

/** Names to put on jobs: runs and datasets by id. */
export interface JobNames {
  runs: ReadonlyMap<string, string>;
  datasets: ReadonlyMap<string, string>;
}

const kindTitles: Record<JobKind, string> = {
  diagnostic: 'Engine self-test',
  index: 'Indexing',
  sample: 'Creating the sample dataset',
  train: 'Training',
  eval: 'Evaluating',
  predict: 'Predicting with',
  estimate: 'Estimating a launch',
  export: 'Exporting the corrected masks of',
  evaluate: 'Evaluating',
  hash: 'Finding duplicates in',
  derive: 'Deriving',
  'label-errors': 'Finding label errors in',
  'export-model': 'Exporting the model of',
  'import-model': 'Importing an ONNX model for',
};

/** What a job does, in words: its kind. */
function jobKindTitle(kind: JobKind): string {
  return kindTitles[kind];
}

/** A run's folder is `<dataDir>/runs/<runId>`: its last segment is the run's id. */
export function runIdOfDir(dir: unknown): string | null {
  if (typeof dir !== 'string') return null;
  const last = dir.split(/[\\/]/).filter(Boolean).at(-1);
  return last ?? null;
}

/**
 * What a job works on, in words: `run "name"`, `dataset "name"`, or null when the kind has no
 * subject (self-test, sample, estimate). Unknown ids show as a short id rather than nothing.
 */
function jobSubject(kind: JobKind, params: unknown, names: JobNames): string | null {
  const p = (params ?? {}) as Record<string, unknown>;
  const run = (id: string | null): string | null => (id ? `run "${names.runs.get(id) ?? id.slice(0, 8)}"` : null);
  const dataset = (id: unknown): string | null => (typeof id === 'string' ? `dataset "${names.datasets.get(id) ?? id.slice(0, 8)}"` : null);
  switch (kind) {
    case 'train':
      return run(typeof p.runId === 'string' ? p.runId : runIdOfDir(p.runDir));
    case 'eval':
    case 'predict':
    case 'export-model':
      return run(runIdOfDir(p.runDir));
    case 'import-model':
      return typeof p.dest === 'string' ? run(runIdOfDir(p.dest.replace(/[\\/]model\.onnx$/, ''))) : null;
    case 'evaluate': {
      const members = Array.isArray(p.members) ? (p.members as { name?: unknown }[]).map((m) => String(m.name ?? '?')) : [];
      return members.length > 0 ? members.map((m) => `"${m}"`).join(', ') : null;
    }
    case 'index':
    case 'export':
    case 'hash':
    case 'derive':
    case 'label-errors':
      return dataset(p.datasetId);
    default:
      return null;
  }
}

/** Kind and subject in one line: `Training run "tiny"`. */
export function jobTitle(job: { kind: JobKind; params: unknown }, names: JobNames): string {
  const subject = jobSubject(job.kind, job.params, names);
  return subject ? `${jobKindTitle(job.kind)} ${subject}` : jobKindTitle(job.kind);
}
