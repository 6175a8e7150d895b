import { useMemo, useState } from 'react';
import { jobTitle } from '../../src-shared/job-titles';
import type { JobNames } from '../../src-shared/job-titles';
import type { BackendProbe, DiagnosticResult } from '../../src-shared/job-kinds';
import type { Job } from '../../src-shared/jobs';
import { formatDuration, isFinalJobStatus, jobsAhead, queuedText } from '../../src-shared/jobs';
import { ErrorNote } from '../components/ErrorNote';
import { ProgressBar } from '../components/ProgressBar';
import { useApi } from '../hooks/ApiContext';
import { useAction } from '../hooks/useAction';
import { useApiQuery } from '../hooks/useApiQuery';
import { useJobs } from '../hooks/useJobs';

function duration(job: Job): string {
  if (!job.startedAt) return '';
  const end = job.endedAt ? Date.parse(job.endedAt) : Date.now();
  return formatDuration((end - Date.parse(job.startedAt)) / 1000);
}

/**
 * Settings' Engine panel: the self-test (proves the engine process starts, reports progress and
 * stops), the GPU and backend check, and the recent engine jobs, each named by its kind and its
 * run or dataset, with their own Stop.
 * Stopping a training run asks first: it ends the run as stopped (resumable from its last checkpoint).
 */
export function EnginePanel() {
  const api = useApi();
  const { jobs } = useJobs();
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  const datasets = useApiQuery('datasets:list', {}, ['dataset:changed']);
  const names: JobNames = useMemo(
    () => ({ runs: new Map((runs.data ?? []).map((r) => [r.id, r.name])), datasets: new Map((datasets.data ?? []).map((d) => [d.id, d.name])) }),
    [runs.data, datasets.data],
  );
  const { error, run: attempt } = useAction();
  const [confirming, setConfirming] = useState<string | null>(null);
  const selfTest = jobs.find((job) => job.kind === 'diagnostic' && job.status === 'running');
  // The newest GPU check that finished: one line per backend of the automatic order.
  const probes = jobs
    .map((job) => (job.kind === 'diagnostic' ? (job.result as DiagnosticResult | null)?.backends : undefined))
    .find((list) => list !== undefined);
  const stop = (job: Job) =>
    attempt(async () => {
      setConfirming(null);
      await api.invoke('jobs:cancel', { jobId: job.id });
    });
  const askOrStop = (job: Job): void => {
    if (job.kind === 'train') setConfirming(job.id);
    else void stop(job);
  };

  return (
    <section className="card wide" data-testid="settings-engine">
      <h2>Engine</h2>
      <p className="muted small">
        Training runs in a separate engine process, so a crash there never takes the window down. The self-test starts that process, streams progress back and
        ends it.
      </p>
      <div className="row">
        <button
          type="button"
          className="button primary"
          data-testid="selftest-start"
          onClick={() => void attempt(() => api.invoke('jobs:startDiagnostic', { steps: 40, stepMs: 100 }))}
        >
          Run engine self-test
        </button>
        <button
          type="button"
          className="button"
          data-testid="backend-check"
          onClick={() => void attempt(() => api.invoke('jobs:startDiagnostic', { steps: 1, stepMs: 0, probeBackends: true }))}
        >
          Check GPU and backends
        </button>
      </div>
      {probes ? <BackendList probes={probes} /> : null}
      {selfTest ? <ProgressBar progress={selfTest.progress} testId="selftest-progress" /> : null}
      <ErrorNote message={error} />
      {jobs.length > 0 ? (
        <>
          <h3 className="small">Recent engine jobs</h3>
          <table className="table compact" data-testid="jobs-table">
            <thead>
              <tr>
                <th>Job</th>
                <th>Status</th>
                <th>Started</th>
                <th>Took</th>
                <th>Note</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {jobs.slice(0, 8).map((job) => {
                const title = jobTitle(job, names);
                return (
                  <tr key={job.id} data-testid="job-row" data-status={job.status} data-kind={job.kind}>
                    <td data-testid="job-title">
                      {title}
                      {job.status === 'running' && job.progress ? (
                        <span className="muted small">
                          {' '}
                          · {job.progress.message || `${job.progress.done} / ${job.progress.total}`}
                          {job.progress.etaSeconds !== null ? `, ${formatDuration(job.progress.etaSeconds)} left` : ''}
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <span className={`badge status-${job.status}`}>{job.status}</span>
                    </td>
                    <td>{job.startedAt ? new Date(job.startedAt).toLocaleTimeString() : job.status === 'queued' ? queuedText(jobsAhead(job, jobs)) : '–'}</td>
                    <td>{duration(job)}</td>
                    <td className="reason">{job.reason ?? ''}</td>
                    <td>
                      {isFinalJobStatus(job.status) ? null : confirming === job.id ? (
                        <span className="row confirm" data-testid="job-stop-confirm">
                          <span className="small">Stop {title.replace(/^Training /, '')}? It ends as stopped and can be resumed from its last checkpoint.</span>
                          <button type="button" className="button danger" onClick={() => void stop(job)} data-testid="job-stop-yes">
                            Stop training
                          </button>
                          <button type="button" className="button" onClick={() => setConfirming(null)} data-testid="job-stop-no">
                            Keep training
                          </button>
                        </span>
                      ) : (
                        <button type="button" className="button" onClick={() => askOrStop(job)} data-testid="job-stop" aria-label={`Stop ${title}`}>
                          Stop
                        </button>
                      )}
                    </td>
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

/** Each backend of the automatic order, whether it starts, and its device (the WebGPU adapter and its limits) or why not. */
function BackendList({ probes }: { probes: BackendProbe[] }) {
  const chosen = probes.find((probe) => probe.available);
  return (
    <div data-testid="backend-probes">
      <p className="small">
        {chosen ? (
          <>
            Automatic choice: <strong>{chosen.backend}</strong>. Backends in the order they are tried:
          </>
        ) : (
          'No backend starts.'
        )}
      </p>
      <ul className="packages">
        {probes.map((probe) => (
          <li key={probe.backend} data-testid={`probe-${probe.backend}`} data-available={probe.available}>
            <span className={probe.available ? 'badge ok' : 'badge off'}>{probe.available ? 'starts' : 'not used'}</span>
            <span className="mono">{probe.backend}</span>
            <span className="muted"> {probe.detail}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
