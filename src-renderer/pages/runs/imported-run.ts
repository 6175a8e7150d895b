import type { RunSummary } from '../../../src-shared/runs';

/** A run made outside SegBench: an imported ONNX model, or a folder of predicted masks. */
type ImportedKind = 'onnx' | 'masks';

/** What a run was imported as; null for a run SegBench trained (it has epochs, a recipe and a checkpoint). */
export function importedKind(run: Pick<RunSummary, 'external' | 'predictedMasks'>): ImportedKind | null {
  if (run.external) return 'onnx';
  if (run.predictedMasks) return 'masks';
  return null;
}

/** How run pickers name it beside the run's name, where a trained run shows its best mIoU. */
export const importedLabel: Record<ImportedKind, string> = { onnx: 'imported ONNX model', masks: 'imported masks' };

/** Its badge in the runs list and on its page. */
export const importedBadge: Record<ImportedKind, string> = { onnx: 'ONNX (imported)', masks: 'Masks (imported)' };
