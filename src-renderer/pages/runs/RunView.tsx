import { useDeferredValue, useMemo, useState } from 'react';
import { channelCount } from '../../../src-shared/bands';
import { recipesLine } from '../../../src-shared/config-view';
import { subsetText } from '../../../src-shared/validation-plan';
import { iou } from '../../../src-shared/metrics';
import type { RunDetail } from '../../../src-shared/runs';
import { ClassHeatmap } from '../../charts/ClassHeatmap';
import { CanvasLineChart } from '../../charts/CanvasLineChart';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { JobProgress } from '../../components/JobProgress';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useJobs } from '../../hooks/useJobs';
import { useRun } from '../../hooks/useRun';
import { hrefFor, navigate } from '../../hooks/useRoute';
import { downloadCsv, runCsv } from './export';
import { RunConfigCard } from './RunConfigCard';
import { RunMeta } from './RunMeta';
import { ExportModel } from './ExportModel';
import { ExternalRunView } from './ExternalRunView';
import { useAction } from '../../hooks/useAction';

const lossSeries = [
  { key: 'trainLoss', name: 'train', color: '#4e79a7' },
  { key: 'valLoss', name: 'validation', color: '#f28e2b' },
];
const miouSeries = [{ key: 'miou', name: 'mIoU', color: '#59a14f' }];
const stepSeries = [
  { key: 'loss', name: 'loss', color: '#4e79a755' },
  { key: 'smoothed', name: 'smoothed', color: '#4e79a7' },
];
const lrSeries = [{ key: 'lr', name: 'lr', color: '#b07aa1' }];
const unitRange: [number, number] = [0, 1];
/** Loss and learning rate are never negative: their axes start at 0. */
const fromZero: [number, 'auto'] = [0, 'auto'];
const lrFormat = (v: number): string => v.toExponential(1);

const noEpochs: RunDetail['epochHistory'] = [];

/** Exponential moving average, the smoothing slider of TensorBoard. */
function smooth(values: readonly number[], weight: number): number[] {
  let last = values[0] ?? 0;
  return values.map((v) => (last = last * weight + (1 - weight) * v));
}

export function RunView({ runId }: { runId: string }) {
  const api = useApi();
  // About the step chart's width in pixels: more points than pixels only cost time.
  const { run, steps, error } = useRun(runId, 500);
  const { jobs } = useJobs();
  const runList = useApiQuery('runs:list', {}, ['run:update']);
  const runNames = useMemo(() => new Map((runList.data ?? []).map((r) => [r.id, r.name])), [runList.data]);
  const [smoothing, setSmoothing] = useState(0.6);
  const { error: actionError, run: attemptAction } = useAction();
  const job = jobs.find((j) => j.id === run?.jobId);
  const stepData = useMemo(() => {
    const smoothed = smooth(
      steps.map((s) => s.loss),
      smoothing,
    );
    return steps.map((s, i) => ({ step: s.step, loss: s.loss, smoothed: smoothed[i] }));
  }, [steps, smoothing]);
  const epochData = useMemo(
    () =>
      (run?.epochHistory ?? []).map((e) => ({
        epoch: e.epoch,
        trainLoss: e.trainLoss,
        valLoss: e.valLoss,
        miou: e.miou,
        lr: e.lr,
        ...Object.fromEntries((run?.classNames ?? []).map((name, c) => [name, e.counts[c] ? iou(e.counts[c]!) : null])),
      })),
    [run],
  );
  // Chart data renders as a transition: React slices the work and yields to the browser, so a new
  // epoch never blocks input for long.
  const chartEpochs = useDeferredValue(epochData);
  const chartSteps = useDeferredValue(stepData);
  const heatmapEpochs = useDeferredValue(run?.epochHistory ?? noEpochs);
  const classSeries = useMemo(
    () => (run?.classNames ?? []).map((name, i) => ({ key: name, name, color: run?.classColors[i] ?? '#888888' })),
    [run?.classNames, run?.classColors],
  );
  if (!run) {
    return (
      <div className="page">
        <ErrorNote message={error} />
        {!error ? <p className="muted">Loading…</p> : null}
      </div>
    );
  }
  // An imported model or imported predicted masks never trained here: their own page, with no epochs to chart.
  if (run.external || run.predictedMasks) return <ExternalRunView run={run} error={error} />;
  const act = (work: () => Promise<unknown>): Promise<boolean> => attemptAction(work);
  const live = run.status === 'running' || run.status === 'queued';
  const resumable = ['stopped', 'crashed', 'failed'].includes(run.status);
  const recipes = recipesLine(run.config, runNames);
  return (
    <div className="page wide" data-testid="run-view">
      <PageHeader
        title={run.name}
        subtitle={`${run.model}${run.config.modelOptions.encoder ? ` on ${run.config.modelOptions.encoder}${run.config.encoderWeightsFile ? ` (${run.config.encoderWeightsFile.name})` : ''}` : ''} · ${run.config.inputSize}x${run.config.inputSize}${run.config.inputChannels ? `x${channelCount(run.config.inputChannels)} (${run.config.inputChannels.bands.length} bands${run.config.inputChannels.indices.length ? ` + ${run.config.inputChannels.indices.map((i) => i.name).join(', ')}` : ''})` : ''}, batch ${run.config.batchSize} · ${run.config.loss.name} · ${run.config.optimizer.name} ${run.config.optimizer.lr}${run.backend ? ` · ${run.backend} (${run.device})` : ''}`}
        actions={
          <>
            <a className="button" href={hrefFor('runs')}>
              All runs
            </a>
            {live ? (
              <button type="button" className="button" onClick={() => void act(() => api.invoke('runs:stop', { runId }))} data-testid="run-stop">
                Stop
              </button>
            ) : null}
            {resumable ? (
              <button type="button" className="button primary" onClick={() => void act(() => api.invoke('runs:resume', { runId }))} data-testid="run-resume">
                Resume
              </button>
            ) : null}
            <button type="button" className="button" onClick={() => navigate('runs', 'new', runId)} data-testid="run-clone">
              Clone run
            </button>
            <button type="button" className="button" onClick={() => downloadCsv(`${run.name}.csv`, runCsv(run))} data-testid="run-csv">
              Export CSV
            </button>
          </>
        }
      />
      {recipes ? (
        <p className="small run-recipes" data-testid="run-recipes">
          <span className="muted">Recipes:</span> {recipes}
        </p>
      ) : null}
      <div className="row run-status-row">
        <StatusBadge status={run.status} reason={run.reason} />
        <span>
          epoch {run.epochsDone} of {run.epochs}
          {run.bestMiou !== null ? ` · best mIoU ${run.bestMiou.toFixed(3)} at epoch ${run.bestEpoch}` : ''}
          {run.bestSubset ? (
            <span className="subset-mark" data-testid="run-best-subset" title="That epoch validated the seeded subset; the last epoch validates every image.">
              {' '}
              (on the validation subset, {subsetText(run.bestSubset)})
            </span>
          ) : null}
        </span>
        {run.reason ? <span className="muted small reason-text">{run.reason}</span> : null}
      </div>
      {live && job ? <JobProgress job={job} jobs={jobs} testId="run-progress" showMessage /> : null}
      {run.resources ? (
        <p className="muted small resources" data-testid="run-resources">
          {run.resources.gpu
            ? `GPU ${run.resources.gpu.name}: ${run.resources.gpu.utilization}% busy, ${run.resources.gpu.memoryUsedMiB} of ${run.resources.gpu.memoryTotalMiB} MiB, ${run.resources.gpu.temperatureC} °C · `
            : ''}
          tfjs {run.resources.tfjsMiB} MiB in {run.resources.tensors} tensors · engine process {run.resources.processMiB} MiB
          {run.resources.gpuBuffersMiB !== undefined ? ` · WebGPU buffers ${run.resources.gpuBuffersMiB} MiB` : ''}
        </p>
      ) : null}
      <ErrorNote message={error ?? actionError} />
      <div className="chart-grid">
        <CanvasLineChart title="Loss by epoch" testId="chart-loss" data={chartEpochs} x="epoch" yDomain={fromZero} series={lossSeries} />
        <CanvasLineChart title="Validation mIoU" testId="chart-miou" data={chartEpochs} x="epoch" yDomain={unitRange} series={miouSeries} />
        <div className="chart-stack" data-testid="chart-steps-card">
          <CanvasLineChart
            title={`Training loss by step (${steps.length} ${steps.length === 1 ? 'point' : 'points'} shown)`}
            testId="chart-steps"
            data={chartSteps}
            x="step"
            yDomain={fromZero}
            series={stepSeries}
          />
          <label className="field inline">
            <span>Smoothing {smoothing.toFixed(2)}</span>
            <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
          </label>
        </div>
        <CanvasLineChart title="Learning rate" testId="chart-lr" data={chartEpochs} x="epoch" yDomain={fromZero} format={lrFormat} series={lrSeries} />
        <CanvasLineChart title="Per-class IoU" testId="chart-class-iou" data={chartEpochs} x="epoch" yDomain={unitRange} series={classSeries} />
        <ClassHeatmap classNames={run.classNames} classColors={run.classColors} epochs={heatmapEpochs} />
      </div>
      <ExportModel runId={run.id} runName={run.name} hasCheckpoint={run.bestEpoch !== null} />
      <RunConfigCard run={run} runNames={runNames} />
      <RunMeta key={run.id} run={run} />
      {run.events.length > 0 ? (
        <section className="card">
          <h2>Events</h2>
          <ul className="events" data-testid="run-events">
            {run.events.map((e, i) => (
              <li key={i} className={e.level}>
                <span className="muted small">{new Date(e.at).toLocaleTimeString()}</span> {e.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
