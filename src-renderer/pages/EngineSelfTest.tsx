import { useState } from 'react';
import type { Job } from '../../src-shared/jobs';
import { formatDuration } from '../../src-shared/jobs';
import { ErrorNote } from '../components/ErrorNote';
import { ProgressBar } from '../components/ProgressBar';
import { useApi } from '../hooks/ApiContext';
import { useJobs } from '../hooks/useJobs';

function duration(job: Job): string {
  if (!job.startedAt) return '';
  const end = job.endedAt ? Date.parse(job.endedAt) : Date.now();
  return formatDuration((end - Date.parse(job.startedAt)) / 1000);
}

/** Starts the diagnostic job: proves the engine process starts, reports progress and stops. */
export function EngineSelfTest() {
  const api = useApi();
  const { jobs, active } = useJobs();
  const [error, setError] = useState<string | null>(null);
  const run = async (): Promise<void> => {
    try {
      setError(null);
      await api.invoke('jobs:startDiagnostic', { steps: 40, stepMs: 100 });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const stop = async (job: Job): Promise<void> => {
    try {
      await api.invoke('jobs:cancel', { jobId: job.id });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return (
    <section className="card wide" data-testid="settings-engine">
      <h2>Engine</h2>
      <p className="muted small">
        Training runs in a separate engine process, so a crash there never takes the window down. The self-test
        starts that process, streams progress back and ends it.
      </p>
      <div className="row">
        <button type="button" className="button primary" data-testid="selftest-start" onClick={() => void run()}>
          Run engine self-test
        </button>
        {active ? (
          <button type="button" className="button" data-testid="selftest-stop" onClick={() => void stop(active)}>
            Stop
          </button>
        ) : null}
      </div>
      {active ? <ProgressBar progress={active.progress} testId="selftest-progress" /> : null}
      <ErrorNote message={error} />
      {jobs.length > 0 ? (
        <table className="table compact" data-testid="jobs-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Status</th>
              <th>Started</th>
              <th>Took</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {jobs.slice(0, 8).map((job) => (
              <tr key={job.id} data-testid="job-row" data-status={job.status}>
                <td>Self-test</td>
                <td>
                  <span className={`badge status-${job.status}`}>{job.status}</span>
                </td>
                <td>{job.startedAt ? new Date(job.startedAt).toLocaleTimeString() : 'queued'}</td>
                <td>{duration(job)}</td>
                <td className="reason">{job.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
