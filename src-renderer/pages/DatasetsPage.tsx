import { useRoute } from '../hooks/useRoute';
import { DatasetList } from './datasets/DatasetList';
import { DatasetView } from './datasets/DatasetView';

export function DatasetsPage() {
  const { params } = useRoute();
  const [datasetId, tab] = params;
  return datasetId ? <DatasetView datasetId={datasetId} tab={tab} /> : <DatasetList />;
}
