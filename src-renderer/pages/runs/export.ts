import { f1, iou } from '../../../src-shared/metrics';
import type { RunDetail } from '../../../src-shared/runs';
import { downloadBlob } from '../../components/download';

/** One row per epoch: losses, mIoU, learning rate, and IoU and F1 per class. */
export function runCsv(run: RunDetail): string {
  const header = ['epoch', 'train_loss', 'val_loss', 'miou', 'accuracy', 'lr', 'seconds', ...run.classNames.flatMap((n) => [`iou_${n}`, `f1_${n}`])];
  const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  const rows = run.epochHistory.map((e) =>
    [
      e.epoch,
      e.trainLoss,
      e.valLoss,
      e.miou,
      e.accuracy,
      e.lr,
      e.seconds,
      ...run.classNames.flatMap((_, c) => (e.counts[c] ? [iou(e.counts[c]!), f1(e.counts[c]!)] : [null, null])),
    ]
      .map(cell)
      .join(','),
  );
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [header.map(quote).join(','), ...rows].join('\n') + '\n';
}

export function downloadCsv(filename: string, text: string): void {
  downloadBlob(filename, new Blob([text], { type: 'text/csv' }));
}
