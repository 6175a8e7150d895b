import { useState } from 'react';
import type { BandStatistics } from '../../../src-shared/band-stats';
import type { DatasetDetail, DatasetStats } from '../../../src-shared/datasets';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';

const number = (x: number): string => (Math.abs(x) >= 1000 || Number.isInteger(x) ? x.toFixed(0) : x.toPrecision(4));

/** One band's sampled values between its p2 and p98 (plus a margin) as a small bar histogram. */
function Histogram({ stats }: { stats: BandStatistics }) {
  const { counts, from, to } = stats.histogram;
  const top = Math.max(1, ...counts);
  const width = 160;
  const height = 36;
  const bar = width / counts.length;
  return (
    <svg
      width={width}
      height={height}
      role="img"
      aria-label={`Histogram of ${stats.name} from ${number(from)} to ${number(to)}`}
      data-testid={`band-histogram-${stats.band}`}
    >
      {counts.map((c, i) => (
        <rect key={i} x={i * bar} y={height - (c / top) * height} width={Math.max(1, bar - 1)} height={(c / top) * height} fill="#4a78c2" />
      ))}
    </svg>
  );
}

/**
 * A multispectral dataset's bands: per-band statistics over the training split (the values
 * normalisation uses), a histogram each, and their names, which the user can change.
 */
export function BandStats({ dataset, bands }: { dataset: DatasetDetail; bands: NonNullable<DatasetStats['bands']> }) {
  const api = useApi();
  const layout = dataset.bands!;
  const [names, setNames] = useState<string[]>(layout.names);
  const { error, busy, run } = useAction();
  const changed = names.some((n, i) => n !== layout.names[i]);
  return (
    <section className="card" data-testid="band-stats">
      <h2>
        Bands: {layout.bands} x {layout.dataType}
      </h2>
      <p className="muted">
        Over {bands.images} {bands.over === 'train' ? 'training' : ''} image(s), nodata pixels left out. Mean and std are exact; percentiles and histograms come
        from a sample of 256 values a band per image. A run normalises each of its channels (bands and indices) by the mean and std over its first 16 training
        images.
      </p>
      <table className="table compact" data-testid="band-table">
        <thead>
          <tr>
            <th>Band</th>
            <th>Name</th>
            <th className="num">Mean</th>
            <th className="num">Std</th>
            <th className="num">Min</th>
            <th className="num">p2</th>
            <th className="num">p98</th>
            <th className="num">Max</th>
            <th className="num">Nodata</th>
            <th>Histogram (p2 to p98)</th>
          </tr>
        </thead>
        <tbody>
          {bands.stats.map((s, i) => (
            <tr key={s.band}>
              <td>{s.band}</td>
              <td>
                <input
                  aria-label={`Name of band ${s.band}`}
                  value={names[i] ?? ''}
                  size={10}
                  onChange={(event) => setNames((list) => list.map((n, k) => (k === i ? event.target.value : n)))}
                />
              </td>
              <td className="num">{number(s.mean)}</td>
              <td className="num">{number(s.std)}</td>
              <td className="num">{number(s.min)}</td>
              <td className="num">{number(s.p2)}</td>
              <td className="num">{number(s.p98)}</td>
              <td className="num">{number(s.max)}</td>
              <td className="num">{(100 * s.nodataShare).toFixed(2)}%</td>
              <td>
                <Histogram stats={s} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" disabled={!changed || busy} onClick={() => void run(() => api.invoke('datasets:renameBands', { datasetId: dataset.id, names }))}>
        Save band names
      </button>
      <ErrorNote message={error} />
    </section>
  );
}
