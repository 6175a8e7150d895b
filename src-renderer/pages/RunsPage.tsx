import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApiQuery } from '../hooks/useApiQuery';
import { hrefFor } from '../hooks/useRoute';

export function RunsPage() {
  const runs = useApiQuery('runs:list', {});
  const list = runs.data ?? [];
  return (
    <div className="page" data-testid="page-runs">
      <PageHeader title="Runs" subtitle="Every training run with its loss, mIoU and per-class IoU." />
      <ErrorNote message={runs.error} />
      {!runs.loading && list.length === 0 ? (
        <EmptyState title="No runs yet" testId="runs-empty">
          <p>
            A run trains one model on one dataset with one recipe. Its curves, per-class IoU and checkpoints are
            kept here so you can compare recipes the next morning.
          </p>
          <p>
            First get a dataset on the <a href={hrefFor('datasets')}>Datasets</a> page; training starts from there.
          </p>
        </EmptyState>
      ) : (
        <table className="table" data-testid="runs-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Model</th>
              <th>Status</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {list.map((run) => (
              <tr key={run.id}>
                <td>{run.name}</td>
                <td>{run.model}</td>
                <td>{run.status}</td>
                <td>{new Date(run.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
