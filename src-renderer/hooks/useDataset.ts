import { useCallback, useEffect, useState } from 'react';
import type { DatasetDetail } from '../../src-shared/datasets';
import { useApi } from './ApiContext';

/** One dataset's detail, reloaded whenever main announces a change to it. */
export function useDataset(datasetId: string): { dataset: DatasetDetail | undefined; error: string | null; reload: () => void } {
  const api = useApi();
  const [dataset, setDataset] = useState<DatasetDetail>();
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let current = true;
    api
      .invoke('datasets:get', { datasetId })
      .then((detail) => {
        if (!current) return;
        setDataset(detail);
        setError(null);
      })
      .catch((failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)));
    return () => {
      current = false;
    };
  }, [api, datasetId, generation]);

  useEffect(
    () =>
      api.on('dataset:changed', (event) => {
        if (event.datasetId === datasetId) reload();
      }),
    [api, datasetId, reload],
  );
  return { dataset, error, reload };
}

export { errorText } from './useAction';
