import { useState } from 'react';
import { defaultWeightTable } from '../../../src-shared/hard-samples';
import type { HardestResult } from '../../../src-shared/hard-samples';
import { useApi, useFileUrl } from '../../hooks/ApiContext';
import { fmt } from './tab-props';
import type { Attempt, OpenImage } from './tab-props';

const shown = 300;

/** Each run's last ranking and its settings while the app is open: back on Inspect, it is still there. */
const rankings = new Map<string, { classIndex: number | null; threshold: number; table: [number, number][]; result: HardestResult }>();

/** A run's validation images worst first, by image mIoU or one class's IoU, and hard-sample weights saved from them. */
export function HardestTab({
  runId,
  predictionClassNames,
  viewerReady,
  openFrom,
  attempt,
  onMessage,
}: {
  runId: string;
  predictionClassNames: string[] | undefined;
  viewerReady: boolean;
  openFrom: OpenImage;
  attempt: Attempt;
  onMessage: (message: string) => void;
}) {
  const api = useApi();
  const fileUrl = useFileUrl();
  const kept = rankings.get(runId);
  const [classIndex, setClassIndex] = useState<number | null>(kept?.classIndex ?? null);
  const [threshold, setThreshold] = useState(kept?.threshold ?? 0.5);
  const [table, setTable] = useState<[number, number][]>(kept?.table ?? defaultWeightTable);
  const [result, setResult] = useState<HardestResult | null>(kept?.result ?? null);
  const [saving, setSaving] = useState(false);
  const request = { runId, threshold, table, ...(classIndex === null ? {} : { classIndex }) };
  const classNames = predictionClassNames ?? result?.classNames ?? [];
  const rank = () =>
    attempt(async () => {
      const ranked = await api.invoke('samples:hardest', request);
      rankings.set(runId, { classIndex, threshold, table, result: ranked });
      setResult(ranked);
    });
  const save = () =>
    attempt(async () => {
      setSaving(true);
      try {
        const { saved } = await api.invoke('samples:saveWeights', request);
        onMessage(`Saved weights for ${saved} training images. Use them in a new run: sampler "hard samples from this run".`);
      } finally {
        setSaving(false);
      }
    });
  return (
    <>
      <div className="row filters">
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
          <input
            type="number"
            min={0}
            max={1}
            step={0.05}
            value={threshold}
            onChange={(e) => setThreshold(Number(e.target.value))}
            data-testid="inspect-threshold"
          />
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
      {result ? (
        <>
          <div className="row">
            <span className="muted small" data-testid="inspect-count">
              {result.items.length} validation images {result.epoch === null ? 'by their stored predictions' : `at epoch ${result.epoch}`}, worst first
              {result.items.length > shown ? ` (showing ${shown})` : ''}.
            </span>
            <button type="button" className="button" disabled={saving} onClick={() => void save()} data-testid="inspect-save">
              {saving ? 'Evaluating the training images…' : 'Save weights for the next run'}
            </button>
            <span className="muted small">{viewerReady ? 'Click an image for ground truth, prediction and errors side by side.' : ''}</span>
          </div>
          <table className="table compact inspect-table" data-testid="inspect-table">
            <thead>
              <tr>
                <th>Image</th>
                <th />
                <th className="num">mIoU</th>
                {result.classNames.map((n) => (
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
                <tr key={item.imageId} data-testid="inspect-row" onClick={() => openFrom(item.imageId, result.items)}>
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
        </>
      ) : (
        <p className="muted">Rank the run&apos;s validation images, worst first.</p>
      )}
    </>
  );
}
