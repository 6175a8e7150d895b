import type { JobProgress } from '../../src-shared/jobs';
import { formatDuration } from '../../src-shared/jobs';

/** A progress bar with done/total and the estimated time left. */
export function ProgressBar({ progress, testId }: { progress: JobProgress | null; testId?: string }) {
  const fraction = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const eta = progress?.etaSeconds;
  return (
    <div className="progress" data-testid={testId}>
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={progress?.total ?? 0}
        aria-valuenow={progress?.done ?? 0}
      >
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
      <div className="progress-text">
        <span>{progress ? `${progress.done} / ${progress.total}` : 'starting…'}</span>
        <span>{eta === null || eta === undefined ? '' : `${formatDuration(eta)} left`}</span>
      </div>
    </div>
  );
}
