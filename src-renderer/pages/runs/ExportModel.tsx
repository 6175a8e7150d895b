import { useState } from 'react';
import { jobsAhead, queuedText } from '../../../src-shared/jobs';
import { fileSizeText } from '../../../src-shared/model-export';
import type { ExportModelResult } from '../../../src-shared/model-export';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useJobs } from '../../hooks/useJobs';

/**
 * Exports the run's model as ONNX (opset 17) with a JSON sidecar of its classes, colours, mask
 * values and normalisation: a path on the machine SegBench runs on, never an existing file. The
 * export is a job: its state shows here and in the sidebar.
 */
export function ExportModel({ runId, runName, hasCheckpoint }: { runId: string; runName: string; hasCheckpoint: boolean }) {
  const api = useApi();
  const { jobs } = useJobs();
  const [open, setOpen] = useState(false);
  const [outPath, setOutPath] = useState('');
  const [checkpoint, setCheckpoint] = useState<'best' | 'last'>('best');
  const [jobId, setJobId] = useState<string | null>(null);
  const { error, run: attempt } = useAction();
  if (!open) {
    return (
      <button
        type="button"
        className="button"
        disabled={!hasCheckpoint}
        title={hasCheckpoint ? 'The model as ONNX, to run anywhere else' : 'No checkpoint yet'}
        onClick={() => setOpen(true)}
        data-testid="run-export-open"
      >
        Export ONNX…
      </button>
    );
  }
  const job = jobs.find((j) => j.id === jobId);
  const result = job?.status === 'finished' ? (job.result as ExportModelResult | null) : null;
  const start = (): void => {
    void attempt(async () => {
      const queued = await api.invoke('runs:export', { runId, checkpoint, format: 'onnx', outPath: outPath.trim() });
      setJobId(queued.id);
    });
  };
  return (
    <div className="card export-model" data-testid="run-export">
      <div className="row">
        <label className="field inline grow">
          <span>ONNX file</span>
          <input
            value={outPath}
            onChange={(e) => setOutPath(e.target.value)}
            placeholder={`/home/me/models/${runName.replace(/[^\w.-]+/g, '-')}.onnx`}
            data-testid="run-export-path"
          />
        </label>
        <label className="field inline">
          <span>Checkpoint</span>
          <select value={checkpoint} onChange={(e) => setCheckpoint(e.target.value as 'best' | 'last')} data-testid="run-export-checkpoint">
            <option value="best">best</option>
            <option value="last">last</option>
          </select>
        </label>
        <button
          type="button"
          className="button primary"
          disabled={!outPath.trim() || (job !== undefined && (job.status === 'queued' || job.status === 'running'))}
          onClick={start}
          data-testid="run-export-start"
        >
          Export
        </button>
        <button type="button" className="link-button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      <p className="muted small">An absolute path ending in .onnx; the metadata goes beside it as .onnx.json. An existing file is never replaced.</p>
      <ErrorNote message={error ?? (job?.status === 'failed' ? (job.reason ?? 'The export failed.') : null)} />
      {job && !result && job.status !== 'failed' && job.status !== 'finished' ? (
        <p className="small" data-testid="run-export-status">
          {job.status === 'queued'
            ? `${queuedText(jobsAhead(job, jobs), 'capital')}: it starts when the engine is free.`
            : job.status === 'running'
              ? `Exporting… ${job.progress?.message ?? ''}`
              : 'Stopped before the file was written.'}
        </p>
      ) : null}
      {result ? (
        <p className="small" data-testid="run-export-done">
          Exported the {result.meta.checkpoint} checkpoint (epoch {result.meta.epoch ?? '-'}) to <span className="mono">{result.path}</span> (
          {fileSizeText(result.bytes)}, opset {result.meta.opset}); metadata in <span className="mono">{result.sidecar}</span>. Input &quot;image&quot;: NHWC
          float32 with {result.meta.channels} channels, height and width multiples of {result.meta.stride}; output &quot;logits&quot;:{' '}
          {result.meta.classes.length} classes.
        </p>
      ) : null}
    </div>
  );
}
