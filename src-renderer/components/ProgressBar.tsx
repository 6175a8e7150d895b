import type { JobProgress } from '../../src-shared/jobs';
import { formatDuration } from '../../src-shared/jobs';

/** A progress bar with done/total (or, with `showMessage`, the job's own words) and the estimated time left. */
export function ProgressBar({ progress, testId, showMessage = false }: { progress: JobProgress | null; testId?: string; showMessage?: boolean }) {
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
        <span data-testid={testId ? `${testId}-text` : undefined}>{progress ? (showMessage && progress.message ? progress.message : `${progress.done} / ${progress.total}`) : 'starting…'}</span>
        <span>{eta === null || eta === undefined ? '' : `${formatDuration(eta)} left`}</span>
      </div>
    </div>
  );
}
