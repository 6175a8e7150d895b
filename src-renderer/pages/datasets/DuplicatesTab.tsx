import { useState } from 'react';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { defaultDuplicateThreshold } from '../../../src-shared/duplicates';
import { ErrorNote } from '../../components/ErrorNote';
import { JobProgress } from '../../components/JobProgress';
import { useApi, useFileUrl } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useJobs } from '../../hooks/useJobs';
import { defaultSplit } from '../../../src-shared/splits';
import { useAction } from '../../hooks/useAction';

/**
 * Near-duplicates: compute signatures (an engine job with progress), group at a similarity
 * threshold, see which groups straddle the split (leakage), and re-split keeping groups together.
 */
export function DuplicatesTab({ dataset }: { dataset: DatasetDetail }) {
  const api = useApi();
  const fileUrl = useFileUrl();
  const [threshold, setThreshold] = useState(String(dataset.splitConfig?.duplicateThreshold ?? defaultDuplicateThreshold));
  const value = Number(threshold);
  const valid = Number.isFinite(value) && value >= 0.8 && value <= 1;
  const report = useApiQuery('datasets:duplicates', { datasetId: dataset.id, threshold: valid ? value : defaultDuplicateThreshold }, ['dataset:changed']);
  const { jobs } = useJobs();
  const running = jobs.find(
    (j) => j.kind === 'hash' && (j.params as { datasetId: string }).datasetId === dataset.id && (j.status === 'running' || j.status === 'queued'),
  );
  const { error, run: attempt } = useAction();
  const [note, setNote] = useState<string | null>(null);
  const act = async (work: () => Promise<void>): Promise<void> => {
    await attempt(async () => {
      setNote(null);
      await work();
    });
  };
  const find = () =>
    act(async () => {
      const job = await api.invoke('datasets:findDuplicates', { datasetId: dataset.id });
      if (!job) setNote('Every image already has a current signature.');
    });
  const config = dataset.splitConfig ?? defaultSplit;
  const resplit = () =>
    act(async () => {
      await api.invoke('datasets:split', {
        datasetId: dataset.id,
        seed: config.seed,
        train: config.train,
        val: config.val,
        test: config.test,
        ...(config.groupPattern ? { groupPattern: config.groupPattern } : {}),
        duplicateThreshold: value,
      });
      setNote(
        `Re-split ${Math.round(config.train * 100)}/${Math.round(config.val * 100)}/${Math.round(config.test * 100)} (seed ${config.seed}) with each near-duplicate group in one split.`,
      );
    });
  const r = report.data;
  const missing = r ? r.images - r.hashed : 0;
  return (
    <div className="card" data-testid="duplicates-tab">
      <p className="muted small">
        Images that are copies of each other (re-encoded, resized, rotated or mirrored) make validation scores too kind when they straddle the split. Each image
        gets a perceptual signature (its 16x16 lowest DCT frequencies); two images are near-duplicates when the cosine similarity of their signatures, at their
        best rotation or mirror, reaches the threshold.
      </p>
      <div className="row">
        <button type="button" className="button primary" onClick={() => void find()} disabled={running !== undefined} data-testid="duplicates-find">
          Find near-duplicates
        </button>
        <label className="field inline">
          <span>Similarity at least (0.8-1)</span>
          <input
            type="number"
            min={0.8}
            max={1}
            step={0.01}
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
            data-testid="duplicates-threshold"
          />
        </label>
        {r ? (
          <span className="small" data-testid="duplicates-coverage">
            {r.hashed} of {r.images} images have a signature{missing > 0 ? `; ${missing} need "Find near-duplicates"` : ''}.
          </span>
        ) : null}
      </div>
      {!valid ? <p className="error-text small">The threshold is a similarity between 0.8 and 1 (default 0.97).</p> : null}
      {running ? <JobProgress job={running} jobs={jobs} testId="duplicates-progress" /> : null}
      <ErrorNote message={error ?? report.error} />
      {note ? (
        <p className="small" data-testid="duplicates-note">
          {note}
        </p>
      ) : null}
      {r && r.hashed > 0 ? (
        <>
          <p data-testid="duplicates-summary">
            <strong>{r.groups.length}</strong> group{r.groups.length === 1 ? '' : 's'} of near-duplicates ({r.groups.reduce((n, g) => n + g.ids.length, 0)}{' '}
            images).{' '}
            {r.leakage.groupsAcrossSplits > 0 ? (
              <span className="error-text" data-testid="duplicates-leakage">
                Leakage: {r.leakage.groupsAcrossSplits} group{r.leakage.groupsAcrossSplits === 1 ? ' straddles' : 's straddle'} the split;{' '}
                {r.leakage.heldOutWithTrainTwin} of {r.heldOutImages} validation/test images have a near-duplicate in training.
              </span>
            ) : (
              <span data-testid="duplicates-leakage">No group straddles the split.</span>
            )}
          </p>
          <button type="button" className="button" disabled={!valid || missing > 0} onClick={() => void resplit()} data-testid="duplicates-resplit">
            Re-split keeping near-duplicates together
          </button>
          <div className="duplicate-groups">
            {r.groups.slice(0, 100).map((g, i) => (
              <div key={g.ids.join(',')} className="duplicate-group card" data-testid="duplicate-group">
                <div className="small muted">
                  Group {i + 1}: {g.ids.length} images, similarity {g.minSimilarity.toFixed(3)}
                  {g.maxSimilarity - g.minSimilarity > 0.0005 ? `-${g.maxSimilarity.toFixed(3)}` : ''}
                </div>
                <div className="row">
                  {g.members.map((m) => (
                    <figure key={m.id} className="duplicate-member">
                      <img src={fileUrl('thumb', m.id)} alt={m.stem} loading="lazy" />
                      <figcaption className="small">
                        {m.stem} <span className={`badge split-${m.split ?? 'none'}`}>{m.split ?? 'none'}</span>
                      </figcaption>
                    </figure>
                  ))}
                </div>
              </div>
            ))}
            {r.groups.length > 100 ? <p className="muted small">and {r.groups.length - 100} more groups.</p> : null}
          </div>
        </>
      ) : null}
    </div>
  );
}
