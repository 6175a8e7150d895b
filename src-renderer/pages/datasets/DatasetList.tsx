import { useState } from 'react';
import { count } from '../../../src-shared/words';
import type { DatasetSummary } from '../../../src-shared/datasets';
import type { Job } from '../../../src-shared/jobs';
import { isLiveJob } from '../../../src-shared/jobs';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { JobProgress } from '../../components/JobProgress';
import { ProgressBar } from '../../components/ProgressBar';
import { useApi, useFileUrl } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useJobs } from '../../hooks/useJobs';
import { hrefFor } from '../../hooks/useRoute';
import { ImportWizard } from './ImportWizard';
import { MergeDialog } from './MergeDialog';
import { useAction } from '../../hooks/useAction';

export function DatasetList() {
  const datasets = useApiQuery('datasets:list', {}, ['dataset:changed']);
  const { jobs } = useJobs();
  const [importing, setImporting] = useState(false);
  const [merging, setMerging] = useState(false);
  const list = datasets.data ?? [];
  const generating = jobs.find((job) => job.kind === 'sample' && isLiveJob(job));
  return (
    <div className="page" data-testid="page-datasets">
      <PageHeader
        title="Datasets"
        subtitle="Image and mask folders, indexed with their class statistics."
        actions={
          <>
            <button type="button" className="button" data-testid="merge-open" disabled={list.length === 0} onClick={() => setMerging(true)}>
              Merge datasets…
            </button>
            <button type="button" className="button primary" data-testid="import-open" onClick={() => setImporting(true)}>
              Import dataset…
            </button>
          </>
        }
      />
      <ErrorNote message={datasets.error} />
      {generating ? (
        <div className="card notice" data-testid="sample-generating">
          <strong>Preparing the sample dataset</strong> (synthetic land-cover tiles to train on right away)
          <JobProgress job={generating} jobs={jobs} />
        </div>
      ) : null}
      {!datasets.loading && list.length === 0 && !generating ? (
        <EmptyState title="No datasets yet" testId="datasets-empty">
          <p>
            A dataset is a folder of images and a folder of masks (one-channel class indices or RGB palette colours). SegBench pairs them by file name, reads
            the classes from the masks and indexes every tile.
          </p>
          <p>
            Use <strong>Import dataset…</strong> above, or from a terminal: <code>segbench import --images DIR --masks DIR --name NAME</code>.{' '}
            <code>segbench sample</code> makes a synthetic sample to try things on.
          </p>
        </EmptyState>
      ) : (
        <div className="dataset-cards" data-testid="datasets-list">
          {list.map((dataset) => (
            <DatasetCard key={dataset.id} dataset={dataset} job={jobs.find((j) => j.id === dataset.indexJobId)} jobs={jobs} />
          ))}
        </div>
      )}
      {importing ? <ImportWizard onClose={() => setImporting(false)} /> : null}
      {merging ? <MergeDialog datasets={list} onClose={() => setMerging(false)} /> : null}
    </div>
  );
}

/** A dataset with its preview and counts; while it indexes, its job: queued with its place in the queue, or running with its progress. */
function DatasetCard({ dataset, job, jobs }: { dataset: DatasetSummary; job: Job | undefined; jobs: readonly Job[] }) {
  const api = useApi();
  const fileUrl = useFileUrl();
  const { error, run: attempt } = useAction();
  const act = async (work: () => Promise<unknown>): Promise<void> => {
    await attempt(async () => {
      await work();
    });
  };
  const resume = () => act(() => api.invoke('datasets:reindex', { datasetId: dataset.id }));
  const stop = () => act(() => (dataset.indexJobId ? api.invoke('jobs:cancel', { jobId: dataset.indexJobId }) : Promise.resolve()));
  return (
    <div className="card dataset-card" data-testid="dataset-card" data-state={dataset.state}>
      {dataset.previewImageId !== null ? (
        <img className="dataset-preview" src={fileUrl('thumb', dataset.previewImageId)} alt="" loading="lazy" data-testid="dataset-preview" />
      ) : (
        <div className="dataset-preview empty muted small">no image indexed yet</div>
      )}
      <div className="row spread">
        {dataset.state === 'indexing' ? (
          <h2>{dataset.name}</h2>
        ) : (
          <h2>
            <a href={hrefFor('datasets', dataset.id)} data-testid="dataset-open">
              {dataset.name}
            </a>
          </h2>
        )}
        <span className={`badge state-${dataset.state}`}>{dataset.state === 'indexing' && job?.status === 'queued' ? 'queued' : dataset.state}</span>
      </div>
      <div className="muted small">
        {dataset.indexedCount} of {count(dataset.imageCount, 'image')} indexed · {count(dataset.classCount, 'class', 'classes')}
        {dataset.problemCount > 0 ? ` · ${dataset.problemCount} skipped (see the import report)` : ''}
      </div>
      {dataset.state === 'indexing' ? (
        <div className="row">
          <div className="grow">
            {/* The job is known once the job list has loaded; until then the bar waits for it. */}
            {job ? <JobProgress job={job} jobs={jobs} testId="dataset-progress" /> : <ProgressBar progress={null} testId="dataset-progress" />}
          </div>
          <button type="button" className="button" data-testid="dataset-stop" onClick={() => void stop()}>
            Stop
          </button>
        </div>
      ) : null}
      {dataset.state === 'incomplete' ? (
        <div className="row">
          <span className="muted small">Indexing stopped before the end; what was indexed is kept.</span>
          <button type="button" className="button" data-testid="dataset-resume" onClick={() => void resume()}>
            Resume indexing
          </button>
        </div>
      ) : null}
      <ErrorNote message={error} />
    </div>
  );
}
