import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApiQuery } from '../hooks/useApiQuery';

export function DatasetsPage() {
  const datasets = useApiQuery('datasets:list', {});
  const list = datasets.data ?? [];
  return (
    <div className="page" data-testid="page-datasets">
      <PageHeader title="Datasets" subtitle="Image and mask folders, indexed with their class statistics." />
      <ErrorNote message={datasets.error} />
      {!datasets.loading && list.length === 0 ? (
        <EmptyState title="No datasets yet" testId="datasets-empty">
          <p>
            A dataset is a folder of images and a folder of masks (one-channel class indices or RGB palette
            colours). SegBench pairs them by file name, reads the classes from the masks and indexes every tile.
          </p>
          <p>
            Import and the bundled sample dataset are the next step of this release; once a dataset is in the
            catalogue it appears here with its image count and classes.
          </p>
        </EmptyState>
      ) : (
        <table className="table" data-testid="datasets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Images</th>
              <th className="num">Classes</th>
              <th>Imported</th>
            </tr>
          </thead>
          <tbody>
            {list.map((dataset) => (
              <tr key={dataset.id}>
                <td>{dataset.name}</td>
                <td className="num">{dataset.imageCount}</td>
                <td className="num">{dataset.classCount}</td>
                <td>{new Date(dataset.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
