import { iou, summarize } from '../../../src-shared/metrics';
import type { RunDetail, RunSummary } from '../../../src-shared/runs';
import { subsetText } from '../../../src-shared/validation-plan';
import { importedKind, importedLabel } from '../runs/imported-run';

/** What Compare overlays: any epoch metric, or one class's IoU. */
export type Metric = 'miou' | 'valLoss' | 'trainLoss' | 'lr' | `class:${string}`;
export const metricLabels: Record<'miou' | 'valLoss' | 'trainLoss' | 'lr', string> = {
  miou: 'Validation mIoU',
  valLoss: 'Validation loss',
  trainLoss: 'Training loss',
  lr: 'Learning rate',
};

export const metricName = (metric: Metric): string =>
  metric.startsWith('class:') ? `IoU of ${metric.slice(6)}` : metricLabels[metric as keyof typeof metricLabels];

function metricValue(run: RunDetail, epoch: RunDetail['epochHistory'][number], metric: Metric): number | null {
  if (metric.startsWith('class:')) {
    const position = run.classNames.indexOf(metric.slice(6));
    const counts = position >= 0 ? epoch.counts[position] : undefined;
    return counts ? iou(counts) : null;
  }
  return epoch[metric as 'miou' | 'valLoss' | 'trainLoss' | 'lr'];
}

/** The chart's rows: one per epoch (or per whole second of wall time), with each run's value of `metric` by run id. */
export function curveRows(details: readonly RunDetail[], metric: Metric, byTime: boolean): Record<string, number | null>[] {
  const rows = new Map<number, Record<string, number | null>>();
  for (const run of details) {
    let elapsed = 0;
    for (const e of run.epochHistory) {
      elapsed += e.seconds ?? 0;
      const x = byTime ? Math.round(elapsed) : e.epoch;
      rows.set(x, { ...(rows.get(x) ?? { x }), [run.id]: metricValue(run, e, metric) });
    }
  }
  return [...rows.values()].sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
}

/** The epoch a run is compared at: its best, else its last. */
export const bestEpoch = (run: RunDetail): RunDetail['epochHistory'][number] | undefined =>
  run.epochHistory.find((e) => e.epoch === run.bestEpoch) ?? run.epochHistory.at(-1);

/** A run's mIoU (className null) or one class's IoU at its best epoch; null where it has no epoch or not that class. */
export function bestValue(run: RunDetail, className: string | null): number | null {
  const epoch = bestEpoch(run);
  if (!epoch) return null;
  if (className === null) return summarize(epoch.counts).miou;
  const position = run.classNames.indexOf(className);
  return position >= 0 && epoch.counts[position] ? iou(epoch.counts[position]!) : null;
}

/** What the run picker says beside a run's name: its best mIoU, or what it was imported as (it has no epochs). */
export function pickNote(run: RunSummary): string {
  const kind = importedKind(run);
  if (kind) return importedLabel[kind];
  return `best ${run.bestMiou?.toFixed(3) ?? '-'}${run.bestSubset ? `, on ${subsetText(run.bestSubset)}` : ''}`;
}

/**
 * Why the config comparison leaves imported runs out: an imported model trained outside SegBench
 * and imported masks were predicted outside it, so their config is a placeholder.
 */
export function importedConfigNote(imported: readonly RunDetail[]): string {
  const names = (kind: 'onnx' | 'masks'): string[] => imported.filter((d) => importedKind(d) === kind).map((d) => d.name);
  const models = names('onnx');
  const masks = names('masks');
  const parts = [
    ...(models.length > 0 ? [`${models.join(', ')}: imported ONNX ${models.length === 1 ? 'model' : 'models'}, trained outside SegBench`] : []),
    ...(masks.length > 0 ? [`${masks.join(', ')}: imported masks, predicted outside SegBench`] : []),
  ];
  return `${parts.join('; ')}${parts.length === 1 ? ' with no SegBench config to compare.' : '; none has a SegBench config to compare.'}`;
}
