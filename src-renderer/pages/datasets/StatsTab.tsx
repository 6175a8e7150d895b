import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetDetail, SplitStats } from '../../../src-shared/datasets';
import { ErrorNote } from '../../components/ErrorNote';
import { useApiQuery } from '../../hooks/useApiQuery';
import { BandStats } from './BandStats';

const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** Pixel share and images per class, per split, as charts and as an exact table. */
export function StatsTab({ dataset }: { dataset: DatasetDetail }) {
  const stats = useApiQuery('datasets:stats', { datasetId: dataset.id }, ['dataset:changed']);
  const [split, setSplit] = useState<SplitStats['split']>('all');
  const current = stats.data?.splits.find((s) => s.split === split);
  const classes = stats.data?.classes ?? [];
  const rows = current ? classes.map((c, i) => ({ name: c.name, color: c.color, ignore: c.ignore, ...current.classes[i]! })).filter((r) => !r.ignore) : [];
  return (
    <div data-testid="stats-tab">
      <ErrorNote message={stats.error} />
      <div className="row">
        <div className="segmented" role="group" aria-label="Split">
          {(stats.data?.splits ?? []).map((s) => (
            <button
              key={s.split}
              type="button"
              className={s.split === split ? 'active' : ''}
              onClick={() => setSplit(s.split)}
              data-testid={`stats-split-${s.split}`}
            >
              {s.split === 'all' ? 'All' : s.split} ({s.images})
            </button>
          ))}
        </div>
        {current ? (
          <span className="imbalance" data-testid="imbalance">
            Imbalance ratio (largest / smallest share): <strong>{current.imbalanceRatio === null ? 'n/a' : `${current.imbalanceRatio.toFixed(1)} : 1`}</strong>
          </span>
        ) : null}
      </div>
      {current && current.images > 0 ? (
        <div className="chart-pair">
          <figure className="card chart" data-testid="chart-share">
            <figcaption>Share of labelled pixels</figcaption>
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="name" tick={{ fontSize: 11 }} interval={0} angle={-25} textAnchor="end" height={56} />
                <YAxis tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tick={{ fontSize: 12 }} />
                <Tooltip formatter={(value) => percent(Number(value))} />
                <Bar dataKey="share" name="Share" isAnimationActive={false}>
                  {rows.map((r) => (
                    <Cell key={r.name} fill={r.color} stroke="#00000040" />
                  ))}
                </Bar>
              </BarChart>
            </ResponsiveContainer>
          </figure>
          <figure className="card chart" data-testid="chart-images">
            <figcaption>Images containing the class</figcaption>
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="name" tick={{ fontSize: 11 }} interval={0} angle={-25} textAnchor="end" height={56} />
                <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
                <Tooltip />
                <Bar dataKey="images" name="Images" isAnimationActive={false}>
                  {rows.map((r) => (
                    <Cell key={r.name} fill={r.color} stroke="#00000040" />
                  ))}
                </Bar>
              </BarChart>
            </ResponsiveContainer>
          </figure>
        </div>
      ) : (
        <p className="muted">No indexed images in this split.</p>
      )}
      {current ? (
        <table className="table compact" data-testid="stats-table">
          <thead>
            <tr>
              <th>Class</th>
              <th className="num">Pixels</th>
              <th className="num">Share</th>
              <th className="num">Images</th>
              <th className="num">Of {current.images} images</th>
            </tr>
          </thead>
          <tbody>
            {classes.map((c, i) => {
              const s = current.classes[i]!;
              return (
                <tr key={i}>
                  <td>
                    <span className="swatch" style={{ background: c.color }} />
                    {c.name}
                    {c.ignore ? <span className="muted"> (ignore)</span> : null}
                  </td>
                  <td className="num">{s.pixels.toLocaleString()}</td>
                  <td className="num">{c.ignore ? '-' : percent(s.share)}</td>
                  <td className="num">{s.images}</td>
                  <td className="num">{current.images > 0 ? percent(s.images / current.images) : '-'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {stats.data?.bands && dataset.bands ? <BandStats dataset={dataset} bands={stats.data.bands} /> : null}
    </div>
  );
}
