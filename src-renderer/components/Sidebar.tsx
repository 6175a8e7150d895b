import type { Job } from '../../src-shared/jobs';
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

export function Sidebar({ current, active }: { current: PageId; active: Job | undefined }) {
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
        ) : (
          <div className="muted">Engine idle</div>
        )}
      </div>
    </nav>
  );
}
