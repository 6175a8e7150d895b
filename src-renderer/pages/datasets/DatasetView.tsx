import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { useApi } from '../../hooks/ApiContext';
import { errorText, useDataset } from '../../hooks/useDataset';
import { hrefFor, navigate } from '../../hooks/useRoute';
import { ClassesTab } from './ClassesTab';
import { ImagesTab } from './ImagesTab';
import { ReportTab } from './ReportTab';
import { SplitsTab } from './SplitsTab';
import { StatsTab } from './StatsTab';

const tabs = [
  { id: 'images', label: 'Images' },
  { id: 'classes', label: 'Classes' },
  { id: 'stats', label: 'Statistics' },
  { id: 'splits', label: 'Splits' },
  { id: 'report', label: 'Import report' },
] as const;
type TabId = (typeof tabs)[number]['id'];

export function DatasetView({ datasetId, tab }: { datasetId: string; tab: string | undefined }) {
  const api = useApi();
  const { dataset, error } = useDataset(datasetId);
  const [actionError, setActionError] = useState<string | null>(null);
  const current: TabId = tabs.find((t) => t.id === tab)?.id ?? 'images';
  if (!dataset) {
    return (
      <div className="page">
        <ErrorNote message={error} />
        {!error ? <p className="muted">Loading…</p> : null}
      </div>
    );
  }
  const act = async (work: () => Promise<unknown>): Promise<void> => {
    try {
      setActionError(null);
      await work();
    } catch (failure) {
      setActionError(errorText(failure));
    }
  };
  const remove = (): void => {
    if (!window.confirm(`Remove "${dataset.name}" from SegBench? Its image and mask files stay where they are.`)) return;
    void act(async () => {
      await api.invoke('datasets:delete', { datasetId });
      navigate('datasets');
    });
  };
  return (
    <div className="page wide" data-testid="dataset-view">
      <PageHeader
        title={dataset.name}
        subtitle={`${dataset.indexedCount} images · ${dataset.classCount} classes · ${dataset.maskKind === 'rgb' ? 'RGB palette masks' : 'index masks'} · ${dataset.imagesDir}`}
        actions={
          <>
            <a className="button" href={hrefFor('datasets')}>
              All datasets
            </a>
            <button type="button" className="button" data-testid="dataset-reindex" onClick={() => void act(() => api.invoke('datasets:reindex', { datasetId }))}>
              Re-index changed files
            </button>
            <button type="button" className="button danger" onClick={remove}>
              Remove
            </button>
          </>
        }
      />
      <ErrorNote message={actionError} />
      {dataset.state !== 'ready' ? (
        <p className="notice card">This dataset is {dataset.state}; figures below cover the images indexed so far.</p>
      ) : null}
      <nav className="tabs" aria-label="Dataset">
        {tabs.map((t) => (
          <a key={t.id} href={hrefFor('datasets', datasetId, t.id)} className={t.id === current ? 'tab active' : 'tab'} data-testid={`tab-${t.id}`}>
            {t.label}
            {t.id === 'report' && dataset.problemCount + dataset.values.filter((v) => v.classIndex === null).length > 0 ? ' ⚠' : ''}
          </a>
        ))}
      </nav>
      {current === 'images' ? <ImagesTab dataset={dataset} /> : null}
      {current === 'classes' ? <ClassesTab dataset={dataset} /> : null}
      {current === 'stats' ? <StatsTab dataset={dataset} /> : null}
      {current === 'splits' ? <SplitsTab dataset={dataset} /> : null}
      {current === 'report' ? <ReportTab dataset={dataset} /> : null}
    </div>
  );
}
