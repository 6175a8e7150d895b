import { useMemo, useState } from 'react';
import type { DatasetDetail } from '../../../src-shared/datasets';
import {
  labelErrorScores,
  quickCheckConfig,
  scoreTitles,
  strengthAdvice,
  strengthClassFigures,
  strengthNotes,
  strengthSummary,
} from '../../../src-shared/label-errors';
import type { CheckStrength, LabelCheckSummary, LabelErrorItem, LabelErrorScore } from '../../../src-shared/label-errors';
import { inputSizeRange, validInputSizes } from '../../../src-shared/run-config';
import type { RunConfig } from '../../../src-shared/run-config';
import { ErrorNote } from '../../components/ErrorNote';
import { JobProgress } from '../../components/JobProgress';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useJobs } from '../../hooks/useJobs';
import { useReviewHistory } from '../../hooks/useReviewHistory';
import { LabelErrorViewer } from './LabelErrorViewer';
import { labelErrorPlanLine } from './label-error-plan';
import { useStepTiming } from './useStepTiming';

/** The epochs and input size typed in, when they are whole numbers (the server checks their ranges). */
function overrides(epochs: string, size: string): { epochs?: number; inputSize?: number } {
  const e = Number(epochs);
  const s = Number(size);
  return { ...(epochs && Number.isInteger(e) && e > 0 && { epochs: e }), ...(size && Number.isInteger(s) && s > 0 && { inputSize: s }) };
}

const percent = (v: number): string => `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`;

function scoreText(item: LabelErrorItem, score: LabelErrorScore): string {
  if (score === 'softmin') return item.softmin === null ? '–' : item.softmin.toFixed(3);
  return percent(score === 'below-threshold' ? item.belowShare : item.disagreement);
}

/**
 * "Find label errors": fold models give every image a prediction from a model that never saw it;
 * the queue ranks the dataset's images by how unlikely their labels look, filterable by class
 * pair. Opening an item shows its suspect regions; one key accepts the prediction there.
 */
export function LabelErrorsTab({ dataset }: { dataset: DatasetDetail }) {
  const api = useApi();
  const checks = useApiQuery('labelErrors:list', { datasetId: dataset.id }, ['dataset:changed']);
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  const { jobs } = useJobs();
  const { error, run: attempt } = useAction();
  const [folds, setFolds] = useState(4);
  const [source, setSource] = useState('quick');
  const [epochs, setEpochs] = useState('');
  const [size, setSize] = useState('');
  const [chosen, setChosen] = useState<number | null>(null);

  const datasetRuns = (runs.data ?? []).filter((r) => r.datasetId === dataset.id && r.bestEpoch !== null);
  const list = checks.data ?? [];
  const check: LabelCheckSummary | undefined = list.find((c) => c.id === chosen) ?? list[0];
  const running = jobs.find(
    (j) => j.kind === 'label-errors' && (j.params as { datasetId: string }).datasetId === dataset.id && (j.status === 'running' || j.status === 'queued'),
  );

  const reuse = source.startsWith('reuse:') ? source.slice(6) : null;
  const fromRun = source.startsWith('run:') ? source.slice(4) : null;
  const config: RunConfig | null = useMemo(() => {
    if (reuse) return null;
    const base = quickCheckConfig(dataset.id);
    return { ...base, ...overrides(epochs, size) };
  }, [dataset.id, epochs, size, reuse]);
  // Main sizes the fold models (by pixels for the quick preset: foldPlan); the panel states its plan,
  // asked again whenever an input that sizes it changes (folds, source, epochs, size: the request).
  const request = {
    datasetId: dataset.id,
    folds,
    ...(reuse && { reuseRun: reuse }),
    ...(fromRun && { configFromRun: fromRun }),
    ...(!reuse && overrides(epochs, size)),
  };
  const planned = useApiQuery('labelErrors:plan', request, ['dataset:changed']);
  // The time is measured here for the quick preset only; it follows the config it was measured with.
  const timing = useStepTiming(fromRun ? null : config, planned.fresh && !planned.error);
  const plan = labelErrorPlanLine({ plan: planned.data, error: planned.error, fresh: planned.fresh }, timing);
  // The preset's words name the size it trains at: the typed one, else its own.
  const quickSize = overrides(epochs, size).inputSize ?? quickCheckConfig(dataset.id).inputSize;

  const start = () =>
    attempt(async () => {
      const started = await api.invoke('labelErrors:start', request);
      setChosen(started.id);
    });

  return (
    <div className="card" data-testid="label-errors-tab">
      <p className="muted small">
        Every labelled image gets a prediction from a model that never trained on it: K fold models each train on the other folds and predict their own. Images
        are ranked by the softmin of the probability of their given labels (Lad and Mueller 2023), by the share of pixels below their class&apos;s
        confident-learning threshold, or by confident disagreement. Suspect regions are outlined; accepting the prediction there makes a revision you can undo.
      </p>
      <div className="row">
        <label className="field inline">
          <span>Folds</span>
          <select value={folds} onChange={(e) => setFolds(Number(e.target.value))} data-testid="label-errors-folds" disabled={reuse !== null}>
            {[3, 4, 5].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Models</span>
          <select value={source} onChange={(e) => setSource(e.target.value)} data-testid="label-errors-source">
            <option value="quick">Quick preset (U-Net, {quickSize} px)</option>
            {datasetRuns.map((r) => (
              <option key={`run:${r.id}`} value={`run:${r.id}`}>
                Config of run {r.name}
              </option>
            ))}
            {datasetRuns.map((r) => (
              <option key={`reuse:${r.id}`} value={`reuse:${r.id}`}>
                Only {r.name}&apos;s validation images (no training)
              </option>
            ))}
          </select>
        </label>
        {reuse ? null : (
          <label className="field inline">
            <span>Epochs per fold</span>
            <input
              type="number"
              min={1}
              max={200}
              value={epochs}
              placeholder={fromRun ? 'the run’s' : String(config?.epochs ?? '')}
              onChange={(e) => setEpochs(e.target.value)}
              data-testid="label-errors-epochs"
            />
          </label>
        )}
        {reuse ? null : (
          <label className="field inline">
            <span>Input size</span>
            <input
              type="number"
              {...(config && !fromRun ? validInputSizes(config.model, config.modelOptions) : inputSizeRange)}
              value={size}
              placeholder={fromRun ? 'the run’s' : String(config?.inputSize ?? '')}
              onChange={(e) => setSize(e.target.value)}
              data-testid="label-errors-size"
            />
          </label>
        )}
        {config && !fromRun ? (
          <button type="button" className="button" onClick={timing.measure} data-testid="label-errors-estimate">
            Estimate time
          </button>
        ) : null}
        <button type="button" className="button primary" onClick={() => void start()} disabled={running !== undefined} data-testid="label-errors-start">
          Find label errors
        </button>
      </div>
      <p className={plan.warning ? 'small warning-text' : 'small'} data-testid="label-errors-plan">
        {plan.text}
      </p>
      {running ? <JobProgress job={running} jobs={jobs} showMessage testId="label-errors-progress" /> : null}
      <ErrorNote message={error ?? timing.error ?? checks.error} />
      {list.length > 0 && check ? (
        <div className="row">
          <label className="field inline">
            <span>Check</span>
            <select value={check.id} onChange={(e) => setChosen(Number(e.target.value))} data-testid="label-errors-check">
              {list.map((c) => (
                <option key={c.id} value={c.id}>
                  #{c.id} · {c.folds > 0 ? `${c.folds} folds` : 'one run'} · {c.status} · {new Date(c.createdAt).toLocaleString()}
                </option>
              ))}
            </select>
          </label>
          <span className="small" data-testid="label-errors-counts">
            {check.images} images · {check.reviewed} reviewed · {check.corrected} corrected
            {check.stale > 0 ? ` · ${check.stale} stale (mask changed since)` : ''}
          </span>
          {!check.thresholds && check.status !== 'running' && check.status !== 'queued' ? (
            <button
              type="button"
              className="button"
              onClick={() => void attempt(() => api.invoke('labelErrors:resume', { checkId: check.id }))}
              data-testid="label-errors-resume"
            >
              Resume ({check.foldsDone.length} of {check.folds || 1} folds kept)
            </button>
          ) : null}
          {check.reason && !check.thresholds ? <span className="muted small">{check.reason}</span> : null}
        </div>
      ) : (
        <p className="muted">No check yet. Start one above; it runs in the background with its progress here and in the sidebar.</p>
      )}
      {check?.thresholds ? <LabelErrorQueueView key={check.id} dataset={dataset} check={check} /> : null}
    </div>
  );
}

/** The queue of one finished check: ranked by a score, filtered by class pair, each image opening the viewer. */
function LabelErrorQueueView({ dataset, check }: { dataset: DatasetDetail; check: LabelCheckSummary }) {
  const [score, setScore] = useState<LabelErrorScore>('softmin');
  const [pair, setPair] = useState<{ given: number; predicted: number } | null>(null);
  const [includeReviewed, setIncludeReviewed] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  // The image an undo or redo showed, for as long as the queue does not list it (reviewed, or not reloaded yet).
  const [shown, setShown] = useState<LabelErrorItem | null>(null);
  const history = useReviewHistory(check.id);
  const queue = useApiQuery('labelErrors:queue', { checkId: check.id, score, includeReviewed, ...(pair ?? {}) }, ['dataset:changed']);
  const ready = queue.data?.check.id === check.id ? queue.data : undefined;
  const items = ready?.items ?? [];
  const openIndex = open === null ? -1 : items.findIndex((i) => i.imageId === open);
  const openItem = openIndex >= 0 ? items[openIndex] : shown?.imageId === open ? shown : undefined;
  const classNames = check.classNames;
  return (
    <>
      <ErrorNote message={queue.error} />
      {check.strength ? <StrengthNotices strength={check.strength} classNames={classNames} /> : null}
      <div className="row">
        <label className="field inline">
          <span>Rank by</span>
          <select value={score} onChange={(e) => setScore(e.target.value as LabelErrorScore)} data-testid="label-errors-score">
            {labelErrorScores.map((s) => (
              <option key={s} value={s}>
                {scoreTitles[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Labelled</span>
          <select
            value={pair ? String(pair.given) : ''}
            onChange={(e) =>
              setPair(e.target.value === '' ? null : { given: Number(e.target.value), predicted: pair?.predicted ?? (Number(e.target.value) === 0 ? 1 : 0) })
            }
            data-testid="label-errors-given"
          >
            <option value="">any class</option>
            {classNames.map((name, i) => (
              <option key={name} value={i}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {pair ? (
          <label className="field inline">
            <span>looks like</span>
            <select
              value={pair.predicted}
              onChange={(e) => setPair({ given: pair.given, predicted: Number(e.target.value) })}
              data-testid="label-errors-predicted"
            >
              {classNames.map((name, i) =>
                i === pair.given ? null : (
                  <option key={name} value={i}>
                    {name}
                  </option>
                ),
              )}
            </select>
          </label>
        ) : null}
        <label className="check">
          <input type="checkbox" checked={includeReviewed} onChange={(e) => setIncludeReviewed(e.target.checked)} data-testid="label-errors-reviewed" /> Show
          reviewed
        </label>
        <span className="muted small">
          Thresholds: {classNames.map((name, i) => `${name} ${check.thresholds![i] === null ? '–' : check.thresholds![i]!.toFixed(2)}`).join(' · ')}
        </span>
      </div>
      <table className="table" data-testid="label-errors-queue">
        <thead>
          <tr>
            <th>#</th>
            <th>Image</th>
            <th>{scoreTitles[score]}</th>
            <th>Suspect pixels</th>
            <th>Labelled → looks like</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((item, rank) => (
            <tr key={item.imageId} className="clickable" onClick={() => setOpen(item.imageId)} data-testid="label-errors-item">
              <td>{rank + 1}</td>
              <td>{item.stem}</td>
              <td>{scoreText(item, score)}</td>
              <td>{item.labelled > 0 ? percent(item.flagged / item.labelled) : '–'}</td>
              <td className="small">
                {item.topPairs
                  .map((p) => `${classNames[p.given] ?? '?'} → ${classNames[p.predicted] ?? '?'} ${percent(p.pixels / Math.max(1, item.labelled))}`)
                  .join(', ') || '–'}
              </td>
              <td>
                {item.stale ? <span className="badge status-cancelled">stale</span> : null}
                {item.review ? <span className={`badge ${item.review === 'corrected' ? 'ok' : 'off'}`}>{item.review}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {ready && ready.total > items.length ? (
        <p className="muted small">
          Showing the first {items.length} of {ready.total}.
        </p>
      ) : null}
      {ready && ready.total === 0 ? (
        <p className="muted" data-testid="label-errors-empty">
          Nothing left in this queue{pair ? ' for this class pair' : ''}.
        </p>
      ) : null}
      {openItem ? (
        <LabelErrorViewer
          dataset={dataset}
          check={check}
          item={openItem}
          position={openIndex >= 0 ? `${openIndex + 1} of ${items.length}` : openItem.review ? `reviewed (${openItem.review})` : 'not listed'}
          history={history}
          onShow={(item) => {
            setShown(item);
            setOpen(item.imageId);
            queue.reload();
          }}
          onClose={() => setOpen(null)}
          onStep={(delta) => setOpen(items[Math.min(items.length - 1, Math.max(0, openIndex + delta))]?.imageId ?? null)}
          onReviewed={() => {
            // The reviewed image leaves the queue; the one after it opens.
            const next = items[openIndex + 1] ?? items[openIndex - 1];
            setOpen(includeReviewed ? (items[openIndex + 1]?.imageId ?? null) : (next?.imageId ?? null));
            queue.reload();
          }}
        />
      ) : null}
    </>
  );
}

/**
 * The strength gate above the queue: the fold models' out-of-fold mIoU and, per class, their mean
 * self-confidence against the class's pixel share; a warning notice overall and per class where
 * the models are too weak to tell label errors from their own mistakes, with what to do.
 */
function StrengthNotices({ strength, classNames }: { strength: CheckStrength; classNames: string[] }) {
  const notes = strengthNotes(strength, classNames);
  return (
    <div data-testid="label-errors-strength">
      <p className="muted small" data-testid="label-errors-strength-figures">
        Fold models: {strengthSummary(strength)}. Per class, self-confidence / on other classes&apos; pixels / pixel share:{' '}
        {strengthClassFigures(strength, classNames).join(' · ')}
      </p>
      {notes.overall ? (
        <div className="notice warn" data-testid="label-errors-too-weak">
          <strong>{notes.overall}</strong> {strengthAdvice}
        </div>
      ) : null}
      {notes.classes.map((note) => (
        <div key={note.index} className="notice warn" data-testid="label-errors-weak-class">
          {note.text} {strengthAdvice}
        </div>
      ))}
    </div>
  );
}
