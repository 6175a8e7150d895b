import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { useApi } from '../../hooks/ApiContext';
import { useDataset } from '../../hooks/useDataset';
import { hrefFor, navigate } from '../../hooks/useRoute';
import { ClassesTab } from './ClassesTab';
import { DuplicatesTab } from './DuplicatesTab';
import { ImagesTab } from './ImagesTab';
import { LabelErrorsTab } from './LabelErrorsTab';
import { ReportTab } from './ReportTab';
import { SplitsTab } from './SplitsTab';
import { StatsTab } from './StatsTab';
import { useAction } from '../../hooks/useAction';

const tabs = [
  { id: 'images', label: 'Images' },
  { id: 'classes', label: 'Classes' },
  { id: 'stats', label: 'Statistics' },
  { id: 'splits', label: 'Splits' },
  { id: 'duplicates', label: 'Duplicates' },
  { id: 'label-errors', label: 'Label errors' },
  { id: 'report', label: 'Import report' },
] as const;
type TabId = (typeof tabs)[number]['id'];

export function DatasetView({ datasetId, tab }: { datasetId: string; tab: string | undefined }) {
  const api = useApi();
  const { dataset, error } = useDataset(datasetId);
  const { error: actionError, run: attemptAction } = useAction();
  const [exporting, setExporting] = useState(false);
  const current: TabId = tabs.find((t) => t.id === tab)?.id ?? 'images';
  if (!dataset) {
    return (
      <div className="page">
        <ErrorNote message={error} />
        {!error ? <p className="muted">Loading…</p> : null}
      </div>
    );
  }
  const act = (work: () => Promise<unknown>): Promise<boolean> => attemptAction(work);
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
        subtitle={`${dataset.indexedCount} images · ${dataset.classCount} classes · ${dataset.maskKind === 'rgb' ? 'RGB palette masks' : 'index masks'}${dataset.correctedCount ? ` · ${dataset.correctedCount} mask${dataset.correctedCount === 1 ? '' : 's'} corrected` : ''} · ${dataset.origin ?? dataset.imagesDir}`}
        actions={
          <>
            <a className="button" href={hrefFor('datasets')}>
              All datasets
            </a>
            <button
              type="button"
              className="button"
              data-testid="dataset-reindex"
              onClick={() => void act(() => api.invoke('datasets:reindex', { datasetId }))}
            >
              Re-index changed files
            </button>
            <button type="button" className="button" data-testid="dataset-export" onClick={() => setExporting(true)}>
              Export corrected dataset…
            </button>
            <button type="button" className="button danger" onClick={remove}>
              Remove
            </button>
          </>
        }
      />
      <ErrorNote message={actionError} />
      {exporting ? <ExportDialog datasetId={datasetId} corrected={dataset.correctedCount} onClose={() => setExporting(false)} /> : null}
      {dataset.state === 'unusable' ? (
        <p className="notice card" data-testid="dataset-unusable">
          No image of this dataset could be used: all {dataset.imageCount} were skipped. The Report tab says why for each; fix those files, then re-index.
        </p>
      ) : dataset.state !== 'ready' ? (
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
      {current === 'duplicates' ? <DuplicatesTab dataset={dataset} /> : null}
      {current === 'label-errors' ? <LabelErrorsTab dataset={dataset} /> : null}
      {current === 'report' ? <ReportTab dataset={dataset} /> : null}
    </div>
  );
}

/** Asks for a new or empty folder and starts the export job; its progress shows in the sidebar. */
function ExportDialog({ datasetId, corrected, onClose }: { datasetId: string; corrected: number; onClose: () => void }) {
  const api = useApi();
  const [dir, setDir] = useState('');
  const { error, run: attempt } = useAction();
  const [started, setStarted] = useState<string | null>(null);
  const start = async (): Promise<void> => {
    await attempt(async () => {
      const job = await api.invoke('datasets:exportCorrected', { datasetId, dir: dir.trim() });
      setStarted(
        `Exporting ${((job.params as { files: unknown[] }).files.length / 2).toLocaleString()} images into ${dir.trim()}; progress shows in the sidebar.`,
      );
    });
  };
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label="Export corrected dataset">
      <div className="modal" data-testid="export-dialog">
        <h2>Export corrected dataset</h2>
        <p className="muted">
          Copies every indexed image and the mask in effect ({corrected} corrected, the rest original) into <code>images/</code> and <code>masks/</code> of a
          new or empty folder, with <code>segbench-export.json</code> listing the corrections. Nothing is overwritten.
        </p>
        <label className="field">
          <span>Folder (absolute path)</span>
          <input value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/data/my-dataset-corrected" data-testid="export-dir" />
        </label>
        <ErrorNote message={error} />
        {started ? (
          <p className="small" data-testid="export-started">
            {started}
          </p>
        ) : null}
        <div className="row end">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
          <button type="button" className="button primary" disabled={!dir.trim() || started !== null} onClick={() => void start()} data-testid="export-start">
            Export
          </button>
        </div>
      </div>
    </div>
  );
}
