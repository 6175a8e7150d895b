import type { RequestOf } from '../../../src-shared/contract';
import type { NormalizeChoice } from '../../../src-shared/external-model';
import type { Job } from '../../../src-shared/jobs';
import type { ImportModelRequest } from '../../../src-shared/model-import';

export type NormalizeMode = 'auto' | 'imagenet' | 'none' | 'custom';

export interface ImportModelForm {
  onnxPath: string;
  datasetId: string;
  normalize: NormalizeMode;
  /** Custom normalisation on 0..1 pixels, as typed: one number, or one per channel. */
  mean: string;
  std: string;
  window: string;
  name: string;
  /** The model's output names, one per line, when they are not in the dataset's order. */
  classOrder: string;
}

/** Numbers separated by commas, slashes or spaces ("0.485, 0.456, 0.406"); null when one is not a number. */
function numberList(text: string): number[] | null {
  const parts = text.split(/[\s,/]+/).filter(Boolean);
  const values = parts.map(Number);
  return values.length > 0 && values.every(Number.isFinite) ? values : null;
}

/** The class order as the request takes it: one name a line, blank lines and # comments skipped (as the CLI's classes file). */
export function classOrderNames(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The `runs:importModel` request of the form, or what is wrong with it in words. Only what the
 * form can tell on its own is checked here; whether the file is a usable model is main's answer.
 */
export function importModelRequest(form: ImportModelForm): { request: ImportModelRequest } | { problem: string } {
  const onnxPath = form.onnxPath.trim();
  if (!onnxPath) return { problem: 'Give the path of the .onnx file.' };
  if (!form.datasetId) return { problem: 'Choose the dataset the model segments.' };
  const normalize = normalizeChoice(form);
  if ('problem' in normalize) return normalize;
  const window = form.window.trim() === '' ? undefined : Number(form.window);
  if (window !== undefined && !(Number.isInteger(window) && window >= 16 && window <= 1024)) {
    return {
      problem: `The window must be a whole number of pixels from 16 to 1024 (got "${form.window.trim()}"); leave it empty for the model's fixed size, or 512 rounded to its stride.`,
    };
  }
  const classNames = classOrderNames(form.classOrder);
  const name = form.name.trim();
  return {
    request: {
      onnxPath,
      datasetId: form.datasetId,
      normalize: normalize.choice,
      ...(name && { name }),
      ...(classNames.length > 0 && { classNames }),
      ...(window !== undefined && { window }),
    },
  };
}

function normalizeChoice(form: ImportModelForm): { choice: NormalizeChoice } | { problem: string } {
  if (form.normalize !== 'custom') return { choice: form.normalize };
  const mean = numberList(form.mean);
  const std = numberList(form.std);
  if (!mean || !std)
    return { problem: 'Custom normalisation: give the mean and the std as numbers on 0..1 pixels (one, or one per channel), e.g. 0.485, 0.456, 0.406.' };
  if (std.some((s) => s <= 0)) return { problem: 'Custom normalisation: the std must be above 0.' };
  return { choice: { mean, std } };
}

/** The import-model job reading this file: the request answers only when it ends, so its progress is found by its source. */
export function importJobOf(jobs: readonly Job[], onnxPath: string): Job | undefined {
  return jobs.find((job) => job.kind === 'import-model' && (job.status === 'queued' || job.status === 'running') && sourceOf(job.params) === onnxPath.trim());
}

function sourceOf(params: unknown): string | null {
  return typeof params === 'object' && params !== null && 'source' in params && typeof params.source === 'string' ? params.source : null;
}

export interface ImportMasksForm {
  /** The folder of predicted masks, as typed (an absolute path on the machine SegBench runs on). */
  masksDir: string;
  datasetId: string;
  name: string;
}

/**
 * The `runs:importMasks` request of the masks form, or what is missing in words. Whether the folder
 * exists and its files name the dataset's images is main's answer (it refuses with the reason).
 */
export function importMasksRequest(form: ImportMasksForm): { request: RequestOf<'runs:importMasks'> } | { problem: string } {
  const masksDir = form.masksDir.trim();
  if (!masksDir) return { problem: 'Give the path of the folder that holds the predicted masks.' };
  if (!form.datasetId) return { problem: 'Choose the dataset the masks were predicted for.' };
  const name = form.name.trim();
  return { request: { masksDir, datasetId: form.datasetId, ...(name && { name }) } };
}

/** The last part of a typed path (a file's or a folder's name), for the default run name's placeholder. */
export function baseName(path: string): string {
  return path.trim().split(/[\\/]/).filter(Boolean).at(-1) ?? '';
}
