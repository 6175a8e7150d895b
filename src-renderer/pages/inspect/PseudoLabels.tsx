import { useState } from 'react';
import { keptShares, previewThresholds } from '../../../src-shared/derived';
import type { PseudoLabelSet } from '../../../src-shared/derived';
import { ErrorNote } from '../../components/ErrorNote';
import { JobProgress } from '../../components/JobProgress';
import { useApi } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useJobs } from '../../hooks/useJobs';
import { hrefFor } from '../../hooks/useRoute';
import { useAction } from '../../hooks/useAction';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/**
 * Pseudo-labels with a run: predict a folder of unlabelled images (confidence kept per pixel),
 * see per class what share of its pixels each threshold keeps, and save the confident pixels as a
 * dataset (the rest ignore) that can be merged into training.
 */
export function PseudoLabels({ runId }: { runId: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [imagesDir, setImagesDir] = useState('');
  const { error, run: attempt } = useAction();
  const sets = useApiQuery('pseudo:list', {}, ['pseudo:changed']);
  const mine = (sets.data ?? []).filter((s) => s.runId === runId);
  if (!open) {
    return (
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid="pseudo-open">
        Pseudo-labels…
      </button>
    );
  }
  const start = async (): Promise<void> => {
    await attempt(async () => {
      await api.invoke('pseudo:start', { runId, imagesDir: imagesDir.trim() });
    });
  };
  return (
    <div className="card pseudo-labels" data-testid="pseudo">
      <div className="row">
        <label className="field inline">
          <span>Unlabelled images folder</span>
          <input value={imagesDir} onChange={(e) => setImagesDir(e.target.value)} placeholder="/data/unlabelled-tiles" data-testid="pseudo-images" />
        </label>
        <button type="button" className="button primary" disabled={!imagesDir.trim()} onClick={() => void start()} data-testid="pseudo-start">
          Predict for pseudo-labels
        </button>
        <button type="button" className="link-button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      <ErrorNote message={error ?? sets.error} />
      {mine.map((set) => (
        <PseudoSet key={set.id} set={set} />
      ))}
    </div>
  );
}

function PseudoSet({ set }: { set: PseudoLabelSet }) {
  const api = useApi();
  const { jobs } = useJobs();
  const job = jobs.find((j) => j.id === set.jobId);
  const [threshold, setThreshold] = useState('0.9');
  const [name, setName] = useState(`Pseudo-labels ${set.id} (${set.runName})`);
  const [saved, setSaved] = useState<{ id: string; name: string } | null>(null);
  const { error, run: attempt } = useAction();
  const save = async (): Promise<void> => {
    await attempt(async () => {
      const dataset = await api.invoke('pseudo:save', { setId: set.id, threshold: Number(threshold), name: name.trim() });
      setSaved({ id: dataset.id, name: dataset.name });
    });
  };
  const t = Number(threshold);
  const custom = set.histogram && Number.isFinite(t) && t >= 0 && t <= 1 ? keptShares(set.histogram, Math.round(t * 100) / 100) : null;
  const keptAt = set.histogram ? previewThresholds.map((p) => keptShares(set.histogram!, p)) : [];
  return (
    <div className="pseudo-set" data-testid="pseudo-set">
      <p className="small">
        Set {set.id}: {set.imagesDir} ·{' '}
        {set.status === 'finished' ? `${set.images} images predicted` : set.status === 'running' && job?.status === 'queued' ? 'queued' : set.status}
        {set.skipped.length ? ` · ${set.skipped.length} skipped (${set.skipped.map((s) => s.image.split('/').pop()).join(', ')})` : ''}
        {set.reason ? ` · ${set.reason}` : ''}
      </p>
      {job ? <JobProgress job={job} jobs={jobs} testId="pseudo-progress" /> : null}
      {set.histogram ? (
        <>
          <table className="table compact" data-testid="pseudo-preview">
            <thead>
              <tr>
                <th>Class</th>
                <th className="num">Predicted pixels</th>
                {previewThresholds.map((p) => (
                  <th key={p} className="num">
                    kept at {p}
                  </th>
                ))}
                <th className="num">at {threshold}</th>
              </tr>
            </thead>
            <tbody>
              {set.classNames.map((className, c) => {
                const total = keptAt[0]?.predicted[c] ?? 0;
                return (
                  <tr key={className}>
                    <td>{className}</td>
                    <td className="num">{total.toLocaleString()}</td>
                    {previewThresholds.map((p, k) => (
                      <td key={p} className="num">
                        {total > 0 ? pct((keptAt[k]?.kept[c] ?? 0) / total) : '-'}
                      </td>
                    ))}
                    <td className="num">{custom && total > 0 ? pct((custom.kept[c] ?? 0) / total) : '-'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="row">
            <label className="field inline">
              <span>Keep pixels with confidence at least (0-1, steps of 0.01)</span>
              <input
                type="number"
                min={0}
                max={1}
                step={0.01}
                value={threshold}
                onChange={(e) => setThreshold(e.target.value)}
                data-testid="pseudo-threshold"
              />
            </label>
            <label className="field inline">
              <span>New dataset name</span>
              <input value={name} onChange={(e) => setName(e.target.value)} data-testid="pseudo-name" />
            </label>
            <button type="button" className="button primary" onClick={() => void save()} data-testid="pseudo-save">
              Save as dataset
            </button>
          </div>
          <ErrorNote message={error} />
          {saved ? (
            <p className="small" data-testid="pseudo-saved">
              Saved as <a href={hrefFor('datasets', saved.id)}>{saved.name}</a>: the less confident pixels are marked ignore; merge it into a labelled dataset
              to train on it.
            </p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
