import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApiQuery } from '../hooks/useApiQuery';
import { hrefFor } from '../hooks/useRoute';

export function InspectPage() {
  const runs = useApiQuery('runs:list', {});
  const finished = (runs.data ?? []).filter((run) => run.status === 'finished');
  return (
    <div className="page" data-testid="page-inspect">
      <PageHeader title="Inspect" subtitle="Worst images first: ground truth against prediction, and label fixes." />
      <ErrorNote message={runs.error} />
      {!runs.loading && finished.length === 0 ? (
        <EmptyState title="No finished run to inspect" testId="inspect-empty">
          <p>
            Inspect ranks a run&apos;s validation images from worst to best and shows image, ground truth,
            prediction and error side by side. Wrong masks can be fixed here; the original files are never touched.
          </p>
          <p>
            Finish a run first (see <a href={hrefFor('runs')}>Runs</a>); everything here then works offline from
            stored predictions.
          </p>
        </EmptyState>
      ) : null}
    </div>
  );
}
