import type { Job } from '../../src-shared/jobs';
import { jobsAhead, queuedText } from '../../src-shared/jobs';
import { hrefFor, pages } from '../hooks/useRoute';
import type { PageId } from '../hooks/useRoute';
import { ProgressBar } from './ProgressBar';

const jobLabels: Record<Job['kind'], string> = {
  diagnostic: 'Engine self-test',
  index: 'Indexing dataset',
  sample: 'Generating sample dataset',
  train: 'Training',
  eval: 'Evaluating',
  predict: 'Predicting',
  estimate: 'Estimating a run',
  export: 'Exporting a dataset',
  evaluate: 'Evaluating runs (TTA, ensemble)',
  hash: 'Finding near-duplicates',
  derive: 'Writing dataset masks',
  'label-errors': 'Finding label errors',
  'export-model': 'Exporting a model (ONNX)',
  'import-model': 'Importing a model (ONNX)',
};

/** Queued jobs the sidebar names one by one; more are counted. */
const queueShown = 4;

/**
 * The page links, then the engine: the running job with its progress, and the jobs waiting
 * behind it in queue order, each with how many run before it.
 */
export function Sidebar({ current, jobs }: { current: PageId; jobs: readonly Job[] }) {
  const active = jobs.find((job) => job.status === 'running');
  const queued = jobs.filter((job) => job.status === 'queued').sort((a, b) => a.queuePosition - b.queuePosition);
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        SegBench
      </div>
      <ul>
        {pages.map((page) => (
          <li key={page.id}>
            <a
              href={hrefFor(page.id)}
              className={page.id === current ? 'nav-link active' : 'nav-link'}
              aria-current={page.id === current ? 'page' : undefined}
              data-testid={`nav-${page.id}`}
            >
              {page.label}
            </a>
          </li>
        ))}
      </ul>
      <div className="sidebar-job" data-testid="active-job">
        {active ? (
          <>
            <div className="sidebar-job-title">{jobLabels[active.kind]}</div>
            <ProgressBar progress={active.progress} />
          </>
        ) : queued.length === 0 ? (
          <div className="muted">Engine idle</div>
        ) : null}
        {queued.length > 0 ? (
          <ol className="sidebar-queue" aria-label="Queued jobs">
            {queued.slice(0, queueShown).map((job) => (
              <li key={job.id} data-testid="sidebar-queued">
                {jobLabels[job.kind]} · {queuedText(jobsAhead(job, jobs))}
              </li>
            ))}
            {queued.length > queueShown ? <li className="muted">and {queued.length - queueShown} more queued</li> : null}
          </ol>
        ) : null}
      </div>
    </nav>
  );
}
