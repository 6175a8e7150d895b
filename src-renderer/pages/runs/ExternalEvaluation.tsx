import { useState } from 'react';
import type { ValidationResult } from '../../../src-shared/job-kinds';
import type { Job } from '../../../src-shared/jobs';
import { isLiveJob, jobsAhead, queuedText } from '../../../src-shared/jobs';
import { f1, iou, summarize } from '../../../src-shared/metrics';
import { count } from '../../../src-shared/words';
import { ClassSwatch } from '../../components/ClassSwatch';
import { ErrorNote } from '../../components/ErrorNote';
import { JobProgress } from '../../components/JobProgress';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useJobs } from '../../hooks/useJobs';

type Split = 'val' | 'test' | 'train';
const splitNames: Record<Split, string> = { val: 'validation', test: 'test', train: 'training' };
const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(3));

/** The string field `key` of an object among a job's params; null when absent. */
function stringField(value: unknown, key: string): string | null {
  if (typeof value !== 'object' || value === null || !(key in value)) return null;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : null;
}

/**
 * What an `eval` job scored, as its params carry it: the imported model's file, or the folder of
 * imported masks; null for a trained run's job (it carries a checkpoint).
 */
function scoredSource(job: Job): string | null {
  const params = job.params;
  if (typeof params !== 'object' || params === null) return null;
  const external = 'external' in params ? stringField(params.external, 'file') : null;
  return external ?? ('predictedMasks' in params ? stringField(params.predictedMasks, 'dir') : null);
}

/** How each kind of imported run is scored, in words beside the button. */
const howScored = {
  onnx: "Runs the model on every image of the split (ONNX Runtime, in the engine) and counts each class's pixels against the masks.",
  masks:
    "Reads the predicted mask of every image of the split (nothing runs) and counts each class's pixels against the dataset's masks; an image without one is skipped.",
} as const;

/**
 * An imported run has no epochs, so its figures come from scoring it: one `eval` job on a split
 * (in the engine: the model on ONNX Runtime, or the predicted masks read as they are), per-class
 * IoU and F1 from its counts. The newest such job of this run shows, so the table is back after a
 * reload while the job list holds it.
 */
export function ExternalEvaluation({
  runId,
  scored,
  kind,
  classNames,
  classColors,
}: {
  runId: string;
  /** What its eval jobs carry: the model's file (model.file) or the masks' folder (masks.dir). */
  scored: string;
  kind: keyof typeof howScored;
  classNames: readonly string[];
  classColors: readonly string[];
}) {
  const api = useApi();
  const { jobs } = useJobs();
  const [split, setSplit] = useState<Split>('val');
  // The split of each job started here (an eval job's params list images, not the split's name).
  const [splits, setSplits] = useState<ReadonlyMap<string, Split>>(new Map());
  const { error, run: attempt } = useAction();
  const job = jobs.find((j) => j.kind === 'eval' && scoredSource(j) === scored);
  const live = job !== undefined && isLiveJob(job);
  const result = job?.status === 'finished' ? (job.result as ValidationResult) : null;
  const summary = result ? summarize(result.counts) : null;
  const evaluate = (): void => {
    void attempt(async () => {
      const queued = await api.invoke('runs:evaluate', { runId, split });
      setSplits((known) => new Map(known).set(queued.id, split));
    });
  };
  const jobSplit = job ? splits.get(job.id) : undefined;
  return (
    <section className="card" data-testid="external-eval">
      <h2>Evaluation</h2>
      <div className="row filters">
        <label className="field inline">
          <span>Split</span>
          <select value={split} onChange={(e) => setSplit(e.target.value as Split)} data-testid="external-eval-split">
            {Object.entries(splitNames).map(([value, name]) => (
              <option key={value} value={value}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button primary" disabled={live} onClick={evaluate} data-testid="external-eval-start">
          {job?.status === 'queued'
            ? queuedText(jobsAhead(job, jobs), 'capital')
            : job?.status === 'running'
              ? 'Evaluating…'
              : `Evaluate on the ${splitNames[split]} images`}
        </button>
        <span className="muted small">{howScored[kind]}</span>
      </div>
      <ErrorNote message={error ?? (job?.status === 'failed' ? `The evaluation failed: ${job.reason ?? 'no reason given'}` : null)} />
      {job ? <JobProgress job={job} jobs={jobs} testId="external-eval-progress" showMessage /> : null}
      {result && summary ? (
        <>
          <p className="small" data-testid="external-eval-summary">
            On {count(result.imageCounts.length, `${jobSplit ? `${splitNames[jobSplit]} ` : ''}image`)}
            {job?.endedAt ? ` (${new Date(job.endedAt).toLocaleString()})` : ''}: mIoU <strong data-testid="external-eval-miou">{fmt(summary.miou)}</strong>,
            pixel accuracy {fmt(summary.accuracy)}
            {result.skipped.length > 0 ? `; ${count(result.skipped.length, 'image')} skipped (${result.skipped[0]!.message})` : ''}.
          </p>
          <table className="table compact" data-testid="external-eval-table">
            <thead>
              <tr>
                <th>Class</th>
                <th className="num">IoU</th>
                <th className="num">F1</th>
                <th className="num">Pixels in the masks</th>
              </tr>
            </thead>
            <tbody>
              {classNames.map((name, c) => {
                const counts = result.counts[c] ?? { tp: 0, fp: 0, fn: 0 };
                const value = iou(counts);
                return (
                  <tr key={name} data-testid="external-eval-row" data-class={name}>
                    <th>
                      <ClassSwatch color={classColors[c] ?? '#888888'} />
                      {name}
                    </th>
                    <td className="num" data-testid="external-eval-iou" data-value={value ?? ''}>
                      {fmt(value)}
                    </td>
                    <td className="num">{fmt(f1(counts))}</td>
                    <td className="num">{(counts.tp + counts.fn).toLocaleString('en-US')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
