import { useEffect, useMemo, useState } from 'react';
import { configDifferences } from '../../src-shared/config-view';
import { iou, summarize } from '../../src-shared/metrics';
import type { RunDetail, RunSummary } from '../../src-shared/runs';
import { subsetText } from '../../src-shared/validation-plan';
import { CanvasLineChart } from '../charts/CanvasLineChart';
import { ClassSwatch } from '../components/ClassSwatch';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApi } from '../hooks/ApiContext';
import { useApiQuery } from '../hooks/useApiQuery';
import { errorText } from '../hooks/useDataset';
import { hrefFor } from '../hooks/useRoute';
import { EvaluationsSection } from './compare/EvaluationsSection';
import { pointsText } from './compare/format';
import { importedKind, importedLabel } from './runs/imported-run';

const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7'];

/** What Compare overlays: any epoch metric, or one class's IoU. */
type Metric = 'miou' | 'valLoss' | 'trainLoss' | 'lr' | `class:${string}`;
const metricLabels: Record<'miou' | 'valLoss' | 'trainLoss' | 'lr', string> = {
  miou: 'Validation mIoU',
  valLoss: 'Validation loss',
  trainLoss: 'Training loss',
  lr: 'Learning rate',
};

function metricValue(run: RunDetail, epoch: RunDetail['epochHistory'][number], metric: Metric): number | null {
  if (metric.startsWith('class:')) {
    const position = run.classNames.indexOf(metric.slice(6));
    const counts = position >= 0 ? epoch.counts[position] : undefined;
    return counts ? iou(counts) : null;
  }
  return epoch[metric as 'miou' | 'valLoss' | 'trainLoss' | 'lr'];
}

/** What the run picker says beside a run's name: its best mIoU, or what it was imported as (it has no epochs). */
function pickNote(run: RunSummary): string {
  const kind = importedKind(run);
  if (kind) return importedLabel[kind];
  return `best ${run.bestMiou?.toFixed(3) ?? '-'}${run.bestSubset ? `, on ${subsetText(run.bestSubset)}` : ''}`;
}

/**
 * Why the config comparison leaves imported runs out: an imported model trained outside SegBench
 * and imported masks were predicted outside it, so their config is a placeholder.
 */
function importedConfigNote(imported: readonly RunDetail[]): string {
  const names = (kind: 'onnx' | 'masks'): string[] => imported.filter((d) => importedKind(d) === kind).map((d) => d.name);
  const models = names('onnx');
  const masks = names('masks');
  const parts = [
    ...(models.length > 0 ? [`${models.join(', ')}: imported ONNX ${models.length === 1 ? 'model' : 'models'}, trained outside SegBench`] : []),
    ...(masks.length > 0 ? [`${masks.join(', ')}: imported masks, predicted outside SegBench`] : []),
  ];
  return `${parts.join('; ')}${parts.length === 1 ? ' with no SegBench config to compare.' : '; none has a SegBench config to compare.'}`;
}

/** Pick runs; see their curves overlaid, the best-epoch per-class IoU against a baseline, and what differs in their configs. */
export function ComparePage() {
  const api = useApi();
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  const [selected, setSelected] = useState<string[]>([]);
  const [baseline, setBaseline] = useState<string | null>(null);
  const [byTime, setByTime] = useState(false);
  const [metric, setMetric] = useState<Metric>('miou');
  const [details, setDetails] = useState<RunDetail[]>([]);
  const [error, setError] = useState<string | null>(null);
  // An imported model or imported masks have no epochs; they compare through the evaluation below.
  const candidates = (runs.data ?? []).filter((r) => r.epochsDone > 0 || importedKind(r) !== null);

  useEffect(() => {
    let current = true;
    Promise.all(selected.map((runId) => api.invoke('runs:get', { runId })))
      .then((list) => current && setDetails(list))
      .catch((failure: unknown) => current && setError(errorText(failure)));
    return () => {
      current = false;
    };
  }, [api, selected, runs.data]);

  const base = details.find((d) => d.id === baseline) ?? details[0];
  const curves = useMemo(() => {
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
  }, [details, byTime, metric]);

  if (!runs.loading && candidates.length < 2) {
    return (
      <div className="page" data-testid="page-compare">
        <PageHeader title="Compare" subtitle="Overlay runs and see which recipe helped which class." />
        <EmptyState title="Nothing to compare yet" testId="compare-empty">
          <p>
            Compare needs at least two runs with a validated epoch, imported models or imported masks; you have {candidates.length}. Train a baseline and a
            variant (another loss, a sampler, more epochs) on the same dataset, then pick both here.
          </p>
          <p>
            Runs are listed on the <a href={hrefFor('runs')}>Runs</a> page.
          </p>
        </EmptyState>
      </div>
    );
  }
  const toggle = (id: string) => setSelected((list) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]));
  const best = (run: RunDetail) => run.epochHistory.find((e) => e.epoch === run.bestEpoch) ?? run.epochHistory.at(-1);
  const classNames = base?.classNames ?? [];
  const runNames = new Map((runs.data ?? []).map((r) => [r.id, r.name]));
  // An imported run's config is a placeholder (it was made elsewhere): only trained runs' recipes are compared.
  const trained = details.filter((d) => importedKind(d) === null);
  const imported = details.filter((d) => importedKind(d) !== null);
  const diff = configDifferences(
    trained.map((d) => d.config),
    runNames,
  );
  // Label fixes are not in the config, but they are what changed between a run before and after them.
  const corrected = trained.map((d) => (d.correctedMasks === null ? 'not recorded' : `${d.correctedMasks} corrected`));
  if (new Set(corrected).size > 1) diff.unshift({ key: 'data.correctedMasks', label: 'Masks (label revisions at launch)', values: corrected });
  const metricName = metric.startsWith('class:') ? `IoU of ${metric.slice(6)}` : metricLabels[metric as keyof typeof metricLabels];
  const isIou = metric === 'miou' || metric.startsWith('class:');
  const colorOf = (name: string): string => base?.classColors[base.classNames.indexOf(name)] ?? '#888888';
  return (
    <div className="page wide" data-testid="page-compare">
      <PageHeader title="Compare" subtitle="Overlay runs and see which recipe helped which class." />
      <ErrorNote message={runs.error ?? error} />
      <div className="card compare-pick" data-testid="compare-pick">
        {candidates.map((r) => (
          <label key={r.id} className="check">
            <input type="checkbox" checked={selected.includes(r.id)} onChange={() => toggle(r.id)} data-testid="compare-run" />
            {r.name} <span className="muted small">({pickNote(r)})</span>
          </label>
        ))}
      </div>
      {details.length >= 2 && base ? (
        <>
          {trained.length === 0 ? (
            <p className="muted" data-testid="compare-no-epochs">
              None of these runs trained in SegBench (each is an imported model or imported masks), so there are no curves or best epochs to overlay: compare
              them in the evaluation below.
            </p>
          ) : (
            <>
              <div className="row">
                <label className="field inline">
                  <span>Baseline</span>
                  <select value={base.id} onChange={(e) => setBaseline(e.target.value)} data-testid="compare-baseline">
                    {details.map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.name}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field inline">
                  <span>Metric</span>
                  <select value={metric} onChange={(e) => setMetric(e.target.value as Metric)} data-testid="compare-metric">
                    {Object.entries(metricLabels).map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                    {classNames.map((name) => (
                      <option key={name} value={`class:${name}`}>
                        IoU of {name}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="check">
                  <input type="checkbox" checked={byTime} onChange={(e) => setByTime(e.target.checked)} data-testid="compare-by-time" /> By wall time (s)
                </label>
              </div>
              <CanvasLineChart
                title={`${metricName} by ${byTime ? 'wall time (s)' : 'epoch'}`}
                testId="compare-chart"
                data={curves}
                x="x"
                yDomain={isIou ? [0, 1] : [0, 'auto']}
                {...(byTime && { xDomain: [0, 'dataMax'] as [number, 'dataMax'] })}
                {...(metric === 'lr' && { format: (v: number) => v.toExponential(1) })}
                series={details.map((d, i) => ({ key: d.id, name: d.name, color: palette[i % palette.length]! }))}
              />
              <table className="table compact compare-table" data-testid="compare-table">
                <thead>
                  <tr>
                    <th>At each run&apos;s best epoch</th>
                    {details.map((d) => (
                      <th key={d.id} className="num">
                        <span data-testid="compare-run-name">{d.name}</span>
                        {d.id === base.id ? ' (baseline)' : ''}
                        <span className="muted small block" data-testid="compare-epoch-images">
                          {importedKind(d) ? 'imported: no epochs, see the evaluation below' : `epoch ${best(d)?.epoch ?? '-'}`}
                          {subsetText(best(d)?.validated) ? `, validation subset (${subsetText(best(d)?.validated)})` : ''}
                        </span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {[{ name: 'mIoU', index: -1 }, ...classNames.map((name, index) => ({ name, index }))].map((row) => {
                    const valueOf = (run: RunDetail): number | null => {
                      const epoch = best(run);
                      if (!epoch) return null;
                      if (row.index < 0) return summarize(epoch.counts).miou;
                      const position = run.classNames.indexOf(row.name);
                      return position >= 0 && epoch.counts[position] ? iou(epoch.counts[position]!) : null;
                    };
                    const baseValue = valueOf(base);
                    return (
                      <tr key={row.name}>
                        <th>
                          {row.index >= 0 ? <ClassSwatch color={colorOf(row.name)} /> : null}
                          {row.name}
                        </th>
                        {details.map((d) => {
                          const value = valueOf(d);
                          const delta = value !== null && baseValue !== null && d.id !== base.id ? value - baseValue : null;
                          return (
                            <td key={d.id} className="num">
                              {value === null ? '-' : value.toFixed(3)}
                              {delta !== null ? <span className={delta >= 0 ? 'delta up' : 'delta down'}> {pointsText(delta)}</span> : null}
                            </td>
                          );
                        })}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </>
          )}
          <EvaluationsSection runIds={details.map((d) => d.id)} />
          <section className="card">
            <h2>What differs in the configs</h2>
            {imported.length > 0 ? (
              <p className="muted small" data-testid="config-diff-imported">
                {importedConfigNote(imported)}
              </p>
            ) : null}
            {trained.length < 2 ? null : diff.length === 0 ? (
              <p className="muted">The configs are identical (apart from name and dataset).</p>
            ) : (
              <table className="table compact" data-testid="config-diff">
                <thead>
                  <tr>
                    <th>Setting</th>
                    {trained.map((d) => (
                      <th key={d.id}>{d.name}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {diff.map((row) => (
                    <tr key={row.key} data-key={row.key}>
                      <th title={row.key}>{row.label}</th>
                      {row.values.map((v, i) => (
                        <td key={i}>{v}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      ) : (
        <p className="muted">Pick two or more runs above.</p>
      )}
    </div>
  );
}
