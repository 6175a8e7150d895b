import type { Job } from '../../src-shared/jobs';
import { jobsAhead, queuedText } from '../../src-shared/jobs';
import { ProgressBar } from './ProgressBar';

/**
 * One job's state where its work is shown: a queued job says so with how many jobs run before it
 * (an empty, dashed bar: nothing has started), a running one shows its progress, and one that has
 * ended shows nothing (its page says what it left). `jobs` is the whole list, for the queue.
 */
export function JobProgress({ job, jobs, testId, showMessage = false }: { job: Job; jobs: readonly Job[]; testId?: string; showMessage?: boolean }) {
  if (job.status === 'running') return <ProgressBar progress={job.progress} testId={testId} showMessage={showMessage} />;
  if (job.status !== 'queued') return null;
  const text = queuedText(jobsAhead(job, jobs));
  return (
    <div className="progress queued" data-testid={testId} data-status="queued">
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={1} aria-valuenow={0} aria-valuetext={text}>
        <div className="progress-fill" style={{ width: '0%' }} />
      </div>
      <div className="progress-text">
        <span data-testid={testId ? `${testId}-text` : undefined}>{text}</span>
        <span />
      </div>
    </div>
  );
}
