import { useEffect, useState } from 'react';
import type { JobProgress } from '../../src-shared/jobs';
import { formatDuration } from '../../src-shared/jobs';

/**
 * The time left as it stands now: the job's estimate, counted down by the time since that
 * estimate arrived (events come every few seconds, or less often during a long validation image),
 * never below zero. Every bar showing one job counts from the same update, so they agree.
 */
function useCountdown(progress: JobProgress | null): number | null {
  const eta = progress?.etaSeconds ?? null;
  // Seconds since this progress arrived, ticked by the timer; a new progress starts again at 0.
  const [tick, setTick] = useState<{ progress: JobProgress | null; elapsed: number }>({ progress, elapsed: 0 });
  useEffect(() => {
    if (eta === null || eta <= 0) return undefined;
    const arrived = Date.now();
    const timer = setInterval(() => setTick({ progress, elapsed: (Date.now() - arrived) / 1000 }), 1000);
    return () => clearInterval(timer);
  }, [progress, eta]);
  if (eta === null) return null;
  return Math.max(0, eta - (tick.progress === progress ? tick.elapsed : 0));
}

/** A progress bar with done/total (or, with `showMessage`, the job's own words) and the estimated time left. */
export function ProgressBar({ progress, testId, showMessage = false }: { progress: JobProgress | null; testId?: string; showMessage?: boolean }) {
  const fraction = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const eta = useCountdown(progress);
  // The engine says in its message when the time left covers training only (no validation pace yet).
  const partial = progress?.message.includes('training only') ? ' (training only)' : '';
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={progress?.total ?? 0} aria-valuenow={progress?.done ?? 0}>
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
      <div className="progress-text">
        <span data-testid={testId ? `${testId}-text` : undefined}>
          {progress ? (showMessage && progress.message ? progress.message : `${progress.done} / ${progress.total}`) : 'starting…'}
        </span>
        <span data-testid={testId ? `${testId}-eta` : undefined}>{eta === null ? '' : `${formatDuration(eta)} left${showMessage ? '' : partial}`}</span>
      </div>
    </div>
  );
}
