import { useEffect, useState } from 'react';
import type { RunDetail } from '../../src-shared/runs';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApi } from '../hooks/ApiContext';
import { useApiQuery } from '../hooks/useApiQuery';
import { errorText } from '../hooks/useDataset';
import { hrefFor } from '../hooks/useRoute';
import { BestEpochTable } from './compare/BestEpochTable';
import { ConfigDiffSection } from './compare/ConfigDiffSection';
import { CurvesSection } from './compare/CurvesSection';
import { EvaluationsSection } from './compare/EvaluationsSection';
import { pickNote } from './compare/compare-data';
import { importedKind } from './runs/imported-run';

/** Pick runs; see their curves overlaid, the best-epoch per-class IoU against a baseline, and what differs in their configs. */
export function ComparePage() {
  const api = useApi();
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  const [selected, setSelected] = useState<string[]>([]);
  const [baseline, setBaseline] = useState<string | null>(null);
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
  const runNames = new Map((runs.data ?? []).map((r) => [r.id, r.name]));
  const trained = details.filter((d) => importedKind(d) === null);
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
              <CurvesSection details={details} base={base} onBaseline={setBaseline} />
              <BestEpochTable details={details} base={base} />
            </>
          )}
          <EvaluationsSection runIds={details.map((d) => d.id)} />
          <ConfigDiffSection details={details} runNames={runNames} />
        </>
      ) : (
        <p className="muted">Pick two or more runs above.</p>
      )}
    </div>
  );
}
