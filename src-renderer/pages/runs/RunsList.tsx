import { useMemo, useState } from 'react';
import { formatDuration } from '../../../src-shared/jobs';
import type { RunSummary } from '../../../src-shared/runs';
import { subsetText } from '../../../src-shared/validation-plan';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { hrefFor } from '../../hooks/useRoute';
import { useAction } from '../../hooks/useAction';
import { ImportModelDialog } from './ImportModelDialog';
import { importedBadge, importedKind } from './imported-run';

type SortKey = 'created' | 'miou' | 'bestEpoch' | 'duration' | 'model' | 'name' | 'classIou' | 'dataset';

/** Training time; none for an imported model or imported masks (made elsewhere). */
const duration = (run: RunSummary): number | null =>
  run.startedAt && !importedKind(run) ? ((run.endedAt ? Date.parse(run.endedAt) : Date.now()) - Date.parse(run.startedAt)) / 1000 : null;

/** The model column: the architecture a run trained, or the badge of an imported model or imported masks. */
function ModelCell({ run }: { run: RunSummary }) {
  const kind = importedKind(run);
  if (!kind) return <>{run.model}</>;
  return (
    <span className="badge external-badge" title={`Imported from ${run.external?.source ?? run.predictedMasks?.source ?? ''}`} data-testid="run-external-badge">
      {importedBadge[kind]}
    </span>
  );
}

const sorters: Record<Exclude<SortKey, 'classIou' | 'dataset'>, (a: RunSummary, b: RunSummary) => number> = {
  created: (a, b) => b.createdAt.localeCompare(a.createdAt),
  miou: (a, b) => (b.bestMiou ?? -1) - (a.bestMiou ?? -1),
  bestEpoch: (a, b) => (a.bestEpoch ?? Infinity) - (b.bestEpoch ?? Infinity),
  duration: (a, b) => (duration(b) ?? -1) - (duration(a) ?? -1),
  model: (a, b) => a.model.localeCompare(b.model),
  name: (a, b) => a.name.localeCompare(b.name),
};

export function RunsList() {
  const api = useApi();
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  const datasets = useApiQuery('datasets:list', {}, ['dataset:changed']);
  const [sort, setSort] = useState<SortKey>('created');
  const [showArchived, setShowArchived] = useState(false);
  const [importing, setImporting] = useState(false);
  const { error, run: attempt } = useAction();
  const classNames = useMemo(() => [...new Set((runs.data ?? []).flatMap((r) => Object.keys(r.bestClassIou)))], [runs.data]);
  const [className, setClassName] = useState<string>('');
  const shownClass = className || classNames[0] || '';
  const list = useMemo(() => {
    const names = new Map((datasets.data ?? []).map((d) => [d.id, d.name]));
    const compare =
      sort === 'classIou'
        ? (a: RunSummary, b: RunSummary) => (b.bestClassIou[shownClass] ?? -1) - (a.bestClassIou[shownClass] ?? -1)
        : sort === 'dataset'
          ? (a: RunSummary, b: RunSummary) => (names.get(a.datasetId ?? '') ?? '').localeCompare(names.get(b.datasetId ?? '') ?? '')
          : sorters[sort];
    return (runs.data ?? []).filter((r) => showArchived || !r.archived).sort(compare);
  }, [runs.data, datasets.data, sort, showArchived, shownClass]);
  const jobs = useApiQuery('jobs:list', {}, ['job:update']);
  const queued = (jobs.data ?? [])
    .filter((j) => j.status === 'queued' && j.kind === 'train')
    .map((j) => ({ job: j, run: (runs.data ?? []).find((r) => r.jobId === j.id) }))
    .filter((q): q is { job: (typeof q)['job']; run: RunSummary } => q.run !== undefined)
    // In the order they will run: by queue position, which ↑ and ↓ change (not by creation time).
    .sort((a, b) => a.job.queuePosition - b.job.queuePosition);
  const move = async (jobId: string, direction: 'earlier' | 'later'): Promise<void> => {
    await attempt(() => api.invoke('jobs:move', { jobId, direction }));
  };
  const datasetName = (id: string | null) => datasets.data?.find((d) => d.id === id)?.name ?? '(removed)';
  const cancel = async (run: RunSummary): Promise<void> => {
    await attempt(() => api.invoke('runs:stop', { runId: run.id }));
  };
  const header = (key: SortKey, label: string, numeric = false) => (
    <th className={numeric ? 'num' : undefined}>
      <button type="button" className={`sort ${sort === key ? 'active' : ''}`} onClick={() => setSort(key)} data-testid={`sort-${key}`}>
        {label}
      </button>
    </th>
  );
  return (
    <div className="page" data-testid="page-runs">
      <PageHeader
        title="Runs"
        subtitle="Every training run with its loss, mIoU and per-class IoU."
        actions={
          <>
            <button
              type="button"
              className="button"
              onClick={() => setImporting(true)}
              title="A model trained elsewhere (PyTorch, exported to ONNX), or a folder of masks predicted elsewhere, as a run of a dataset"
              data-testid="run-import-model"
            >
              Import model…
            </button>
            <a className="button primary" href={hrefFor('runs', 'new')} data-testid="run-new">
              New run…
            </a>
          </>
        }
      />
      {importing ? <ImportModelDialog onClose={() => setImporting(false)} /> : null}
      <ErrorNote message={runs.error ?? error} />
      {queued.length > 0 ? (
        <div className="card notice" data-testid="run-queue">
          <strong>Queue</strong> (one run trains at a time; next first):
          <ol className="queue">
            {queued.map(({ job, run }) => (
              <li key={run.id} data-testid="queue-item">
                {run.name}{' '}
                <button type="button" className="link-button" onClick={() => void move(job.id, 'earlier')} aria-label={`Move ${run.name} earlier`}>
                  ↑
                </button>{' '}
                <button type="button" className="link-button" onClick={() => void move(job.id, 'later')} aria-label={`Move ${run.name} later`}>
                  ↓
                </button>{' '}
                <button type="button" className="link-button" onClick={() => void cancel(run)}>
                  cancel
                </button>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      {(runs.data ?? []).length > 0 ? (
        <div className="row">
          <label className="field inline">
            <span>Per-class IoU column</span>
            <select value={shownClass} onChange={(e) => setClassName(e.target.value)} data-testid="class-column">
              {classNames.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} data-testid="show-archived" /> Show archived
          </label>
        </div>
      ) : null}
      {!runs.loading && (runs.data ?? []).length === 0 ? (
        <EmptyState title="No runs yet" testId="runs-empty">
          <p>
            A run trains one model on one dataset with one recipe. Its curves, per-class IoU and checkpoints are kept here so you can compare recipes the next
            morning.
          </p>
          <p>
            Start one with <strong>New run…</strong> (the sample dataset is ready to train on), or from a terminal with{' '}
            <code>segbench train --dataset NAME</code>.
          </p>
          <p>
            A model trained elsewhere (PyTorch, exported to ONNX), or a folder of masks predicted elsewhere, comes in with <strong>Import model…</strong>, to
            evaluate and compare it with SegBench&apos;s runs on the same images.
          </p>
        </EmptyState>
      ) : (
        <table className="table" data-testid="runs-table">
          <thead>
            <tr>
              {header('name', 'Name')}
              {header('dataset', 'Dataset')}
              {header('model', 'Model')}
              <th>Status</th>
              <th className="num">Epochs</th>
              {header('miou', 'Best mIoU', true)}
              {header('bestEpoch', 'Best epoch', true)}
              {header('classIou', `${shownClass || 'Class'} IoU`, true)}
              {header('duration', 'Duration', true)}
            </tr>
          </thead>
          <tbody>
            {list.map((run) => (
              <tr key={run.id} data-testid="run-row">
                <td>
                  <a href={hrefFor('runs', run.id)}>{run.name}</a>
                  {run.tags.map((t) => (
                    <span key={t} className="tag">
                      {t}
                    </span>
                  ))}
                  {run.archived ? <span className="tag muted">archived</span> : null}
                </td>
                <td>{datasetName(run.datasetId)}</td>
                <td>
                  <ModelCell run={run} />
                </td>
                <td>
                  <StatusBadge status={run.status} reason={run.reason} />
                </td>
                <td className="num">{importedKind(run) ? <span title="Made outside SegBench: no epochs here">-</span> : `${run.epochsDone}/${run.epochs}`}</td>
                <td className="num">
                  {run.bestMiou === null ? '-' : run.bestMiou.toFixed(3)}
                  {run.bestSubset ? (
                    <span className="subset-mark" title={`On the validation subset: ${subsetText(run.bestSubset)}`} data-testid="runs-best-subset">
                      {' '}
                      ({run.bestSubset.images}/{run.bestSubset.of})
                    </span>
                  ) : null}
                </td>
                <td className="num">{run.bestEpoch ?? '-'}</td>
                <td className="num">
                  {run.bestClassIou[shownClass] === undefined || run.bestClassIou[shownClass] === null ? '-' : run.bestClassIou[shownClass]!.toFixed(3)}
                </td>
                <td className="num">{duration(run) === null ? '-' : formatDuration(duration(run)!)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
