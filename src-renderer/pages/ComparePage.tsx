import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApiQuery } from '../hooks/useApiQuery';
import { hrefFor } from '../hooks/useRoute';

export function ComparePage() {
  const runs = useApiQuery('runs:list', {});
  const count = runs.data?.length ?? 0;
  return (
    <div className="page" data-testid="page-compare">
      <PageHeader title="Compare" subtitle="Overlay runs and see which recipe helped which class." />
      <ErrorNote message={runs.error} />
      {!runs.loading && count < 2 ? (
        <EmptyState title="Nothing to compare yet" testId="compare-empty">
          <p>
            Compare needs at least two runs; you have {count}. Train a baseline and a variant (another loss, a
            sampler, more epochs) on the same dataset, then pick both here to see their curves overlaid and the
            per-class IoU difference at their best epochs.
          </p>
          <p>
            Runs are listed on the <a href={hrefFor('runs')}>Runs</a> page.
          </p>
        </EmptyState>
      ) : null}
    </div>
  );
}
