import { useState } from 'react';
import { defaultWeightTable } from '../../src-shared/hard-samples';
import type { HardestResult } from '../../src-shared/hard-samples';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApi, useFileUrl } from '../hooks/ApiContext';
import { useApiQuery } from '../hooks/useApiQuery';
import { errorText } from '../hooks/useDataset';
import { hrefFor } from '../hooks/useRoute';
import { SideBySideViewer } from './inspect/SideBySideViewer';
import type { DatasetDetail } from '../../src-shared/datasets';

const shown = 300;
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));

/**
 * Where the model fails: a run's validation images worst first (by image mIoU or one class's IoU),
 * how many classes fall below a threshold, and the hard-sample weight each would get. The weights
 * can be saved for a later run's sampler. Everything comes from stored counts: no GPU needed.
 */
export function InspectPage() {
  const api = useApi();
  const fileUrl = useFileUrl();
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  const candidates = (runs.data ?? []).filter((r) => r.bestEpoch !== null);
  const [runId, setRunId] = useState('');
  const [classIndex, setClassIndex] = useState<number | null>(null);
  const [threshold, setThreshold] = useState(0.5);
  const [table, setTable] = useState<[number, number][]>(defaultWeightTable);
  const [result, setResult] = useState<HardestResult | null>(null);
  const [saving, setSaving] = useState(false);
  const [predicting, setPredicting] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const [dataset, setDataset] = useState<DatasetDetail | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const selected = runId || candidates[0]?.id || '';
  const request = { runId: selected, threshold, table, ...(classIndex === null ? {} : { classIndex }) };

  const rank = async (): Promise<void> => {
    try {
      setError(null);
      setResult(await api.invoke('samples:hardest', request));
      const datasetId = candidates.find((r) => r.id === selected)?.datasetId;
      setDataset(datasetId ? await api.invoke('datasets:get', { datasetId }) : null);
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  const predict = async (): Promise<void> => {
    try {
      setError(null);
      setPredicting(true);
      await api.invoke('runs:predictSplit', { runId: selected, split: 'val' });
      await rank();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setPredicting(false);
    }
  };
  const save = async (): Promise<void> => {
    try {
      setError(null);
      setSaving(true);
      const { saved } = await api.invoke('samples:saveWeights', request);
      setMessage(`Saved weights for ${saved} training images. Use them in a new run: sampler "hard samples from this run".`);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setSaving(false);
    }
  };

  if (!runs.loading && candidates.length === 0) {
    return (
      <div className="page" data-testid="page-inspect">
        <PageHeader title="Inspect" subtitle="Worst images first: where the model fails, per class." />
        <EmptyState title="No run to inspect" testId="inspect-empty">
          <p>
            Inspect ranks a run&apos;s validation images from worst to best from what each epoch stored, and turns the
            hardest into sampler weights for the next run. It needs a run with at least one validated epoch.
          </p>
          <p>
            Train one on the <a href={hrefFor('runs')}>Runs</a> page.
          </p>
        </EmptyState>
      </div>
    );
  }
  const classNames = result?.classNames ?? [];
  return (
    <div className="page wide" data-testid="page-inspect">
      <PageHeader title="Inspect" subtitle="Worst images first: where the model fails, per class." />
      <div className="row filters">
        <label className="field inline">
          <span>Run</span>
          <select value={selected} onChange={(e) => setRunId(e.target.value)} data-testid="inspect-run">
            {candidates.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} (best mIoU {fmt(r.bestMiou)})
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Rank by</span>
          <select value={classIndex ?? ''} onChange={(e) => setClassIndex(e.target.value === '' ? null : Number(e.target.value))} data-testid="inspect-class">
            <option value="">Image mIoU</option>
            {classNames.map((name, i) => (
              <option key={name} value={i}>
                {name} IoU
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>IoU threshold</span>
          <input type="number" min={0} max={1} step={0.05} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="inspect-threshold" />
        </label>
        <div className="field inline">
          <span>Weight by classes below the threshold (from n classes: weight)</span>
          <div className="row weight-table">
            {table.map(([count, weight], i) => (
              <span key={i}>
                ≥{count}:{' '}
                <input
                  type="number"
                  min={0}
                  value={weight}
                  aria-label={`Weight from ${count} classes`}
                  onChange={(e) => setTable((rows) => rows.map((row, k) => (k === i ? [row[0], Number(e.target.value)] : row)))}
                />
              </span>
            ))}
          </div>
        </div>
        <button type="button" className="button primary" onClick={() => void rank()} data-testid="inspect-rank">
          Rank images
        </button>
      </div>
      <ErrorNote message={runs.error ?? error} />
      {result ? (
        <>
          <div className="row">
            <span className="muted small" data-testid="inspect-count">
              {result.items.length} validation images at epoch {result.epoch}, worst first{result.items.length > shown ? ` (showing ${shown})` : ''}.
            </span>
            <button type="button" className="button" disabled={saving} onClick={() => void save()} data-testid="inspect-save">
              {saving ? 'Evaluating the training images…' : 'Save weights for the next run'}
            </button>
            {message ? (
              <span className="muted small" data-testid="inspect-saved">
                {message}
              </span>
            ) : null}
            {result.predictionsReady ? (
              <span className="muted small">Click an image for ground truth, prediction and errors side by side.</span>
            ) : (
              <button type="button" className="button" disabled={predicting} onClick={() => void predict()} data-testid="inspect-predict">
                {predicting ? 'Predicting…' : 'Predict validation images (for the side-by-side viewer)'}
              </button>
            )}
          </div>
          <table className="table compact inspect-table" data-testid="inspect-table">
            <thead>
              <tr>
                <th>Image</th>
                <th />
                <th className="num">mIoU</th>
                {classNames.map((n) => (
                  <th key={n} className="num">
                    {n}
                  </th>
                ))}
                <th className="num">Below {threshold}</th>
                <th className="num">Weight</th>
              </tr>
            </thead>
            <tbody>
              {result.items.slice(0, shown).map((item) => (
                <tr key={item.imageId} data-testid="inspect-row" onClick={() => result.predictionsReady && setOpen(item.imageId)}>
                  <td>
                    <img className="inspect-thumb" src={fileUrl('thumb', item.imageId)} alt="" loading="lazy" />
                  </td>
                  <td className="mono">{item.stem}</td>
                  <td className="num">{fmt(item.miou)}</td>
                  {item.classIou.map((v, c) => (
                    <td key={c} className={`num ${v !== null && v < threshold ? 'low' : ''}`}>
                      {fmt(v)}
                    </td>
                  ))}
                  <td className="num">{item.below}</td>
                  <td className="num">{item.weight}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {open !== null && dataset ? (
            <SideBySideViewer
              runId={result.runId}
              imageId={open}
              stem={result.items.find((i) => i.imageId === open)?.stem ?? ''}
              classNames={result.classNames}
              datasetClasses={dataset.classes}
              maskKind={dataset.maskKind ?? 'index'}
              onClose={() => setOpen(null)}
              onStep={(delta) => {
                const index = result.items.findIndex((i) => i.imageId === open);
                setOpen(result.items[(index + delta + result.items.length) % result.items.length]!.imageId);
              }}
            />
          ) : null}
        </>
      ) : (
        <p className="muted">Choose a run and rank its validation images.</p>
      )}
    </div>
  );
}
