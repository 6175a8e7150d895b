import { useEffect, useState } from 'react';
import type { RunSummary } from '../../src-shared/runs';
import { count } from '../../src-shared/words';
import { classColorsFor } from '../../src-shared/class-colors';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApi } from '../hooks/ApiContext';
import { useApiQuery } from '../hooks/useApiQuery';
import { hrefFor, navigate, useRoute } from '../hooks/useRoute';
import type { ErrorMode } from './inspect/error-map';
import { PredictFolder } from './inspect/PredictFolder';
import { PseudoLabels } from './inspect/PseudoLabels';
import { SideBySideViewer } from './inspect/SideBySideViewer';
import { ConfusionTab } from './inspect/ConfusionTab';
import { HardestTab } from './inspect/HardestTab';
import { ReviewTab } from './inspect/ReviewTab';
import { TtaTab } from './inspect/TtaTab';
import { fmt } from './inspect/tab-props';
import type { OpenImage } from './inspect/tab-props';
import { useAction } from '../hooks/useAction';
import { useJobs } from '../hooks/useJobs';
import { predictButtonText, splitPredictionJob } from './inspect/prediction-jobs';
import { importedKind, importedLabel } from './runs/imported-run';

/** What the run picker says beside a run's name: its best mIoU, or what it was imported as. */
function optionNote(run: RunSummary): string {
  const kind = importedKind(run);
  return kind ? importedLabel[kind] : `best mIoU ${fmt(run.bestMiou)}`;
}

/** Who made the stored validation predictions, as the predictions line says it. */
function byWhat(run: RunSummary | undefined, epoch: number | null): string {
  const kind = run ? importedKind(run) : null;
  if (kind === 'onnx') return 'by the imported model';
  if (kind === 'masks') return 'from the imported masks';
  return `by the checkpoint of epoch ${epoch ?? '?'}`;
}

/** Why imported masks cannot do what needs a model (main refuses them too, with the same reason). */
const noModel = (what: string): string => `Imported predicted masks have no model to ${what} with: only the masks they came with.`;

/** The run inspected last in this window (the page remembers it across navigation). */
let lastInspected = '';

type Tab = 'hardest' | 'confusion' | 'review' | 'tta';

interface Opened {
  imageId: number;
  /** The list it was opened from, for previous / next. */
  list: { imageId: number; stem: string }[];
  mode?: ErrorMode;
}

/**
 * Where the model fails and where the labels are wrong: a run's validation images worst first,
 * its confusion matrix with the images behind each cell, a review queue of confident
 * disagreement, the effect of flip TTA per class, and the side-by-side viewer where labels are
 * corrected. Everything comes from stored predictions and counts: no GPU, no retraining.
 */
export function InspectPage() {
  const api = useApi();
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  // A trained run once it has a checkpoint; an imported model or imported masks at once (the file or the masks are what it predicts with).
  const candidates = (runs.data ?? []).filter((r) => r.bestEpoch !== null || importedKind(r) !== null);
  // The run in the address (#/inspect/<runId>), else the newest inspectable run when the page
  // opened, pinned: a run that validates its first epoch later never takes the selection over.
  const route = useRoute();
  // The run last inspected in this window is kept when the user goes to another page and back.
  const [pinned, setPinned] = useState(() => lastInspected);
  const firstCandidate = candidates[0]?.id ?? '';
  // Pinned while rendering (React's adjust-state-on-props pattern), so no frame shows another run.
  if (!pinned && firstCandidate) setPinned(firstCandidate);
  const selected = route.params[0] ?? (pinned || firstCandidate);
  useEffect(() => {
    if (selected) lastInspected = selected;
  }, [selected]);
  const run = candidates.find((r) => r.id === selected);
  const missing = !runs.loading && !!selected && !run;
  const predictions = useApiQuery('samples:predictions', { runId: selected }, ['run:update']);
  const dataset = useApiQuery('datasets:get', { datasetId: run?.datasetId ?? '' }, ['dataset:changed']);
  const [tab, setTab] = useState<Tab>('hardest');
  // The request being sent for a run, until its job shows in the job list (or the request fails).
  const [sending, setSending] = useState<string | null>(null);
  const [open, setOpen] = useState<Opened | null>(null);
  // A message belongs to the run it was said about: one that answers after another run was chosen is not shown there.
  const [message, setMessage] = useState<{ runId: string; text: string } | null>(null);
  const say = (text: string | null): void => setMessage(text === null ? null : { runId: selected, text });
  const { jobs } = useJobs();
  // Each button follows this run's own prediction job of its variant, never another run's.
  const plainJob = splitPredictionJob(jobs, selected, 'plain');
  const ttaJob = splitPredictionJob(jobs, selected, 'tta');
  const predicting = plainJob !== undefined || ttaJob !== undefined || sending === selected;
  const { error, run: attempt, setError } = useAction();
  const plain = predictions.data?.runId === selected ? predictions.data.variants.find((v) => v.variant === 'plain' && v.split === 'val') : undefined;
  const tta = predictions.data?.runId === selected ? predictions.data.variants.find((v) => v.variant === 'tta' && v.split === 'val') : undefined;
  const classNames = predictions.data?.classNames ?? [];
  const classColors = classColorsFor(classNames, dataset.data?.classes ?? []);
  // Imported masks are predictions already: nothing runs, so what needs a model is off.
  const masks = run ? importedKind(run) === 'masks' : false;
  const stale = !!plain && plain.epoch !== null && predictions.data?.bestEpoch !== null && plain.epoch !== predictions.data?.bestEpoch;

  // The request answers when the job has ended; meanwhile the buttons follow the job itself.
  const predict = (variant: 'plain' | 'tta') => {
    const runId = selected;
    return attempt(async () => {
      setSending(runId);
      try {
        const done = await api.invoke('runs:predictSplit', { runId, split: 'val', tta: variant === 'tta' });
        setMessage({
          runId,
          text: `Predicted ${done.written} validation images${variant === 'tta' ? ' with flip TTA' : ''}${done.skipped ? ` (${done.skipped} skipped)` : ''}.`,
        });
        predictions.reload();
      } finally {
        setSending((current) => (current === runId ? null : current));
      }
    });
  };
  // The tabs are keyed by run: choosing another run starts each of them afresh.
  const chooseRun = (id: string): void => {
    navigate('inspect', id);
    say(null);
  };

  if (!runs.loading && candidates.length === 0) {
    return (
      <div className="page" data-testid="page-inspect">
        <PageHeader title="Inspect" subtitle="Worst images first: where the model fails, per class." />
        <EmptyState title="No run to inspect" testId="inspect-empty">
          <p>
            Inspect ranks a run&apos;s validation images from worst to best from what each epoch stored, shows where it confuses classes, and lets you fix wrong
            labels beside its predictions. It needs a run with at least one validated epoch, an imported model or imported masks.
          </p>
          <p>
            Train one on the <a href={hrefFor('runs')}>Runs</a> page.
          </p>
        </EmptyState>
      </div>
    );
  }
  const viewerReady = !!plain && !!dataset.data && !!run;
  const openFrom: OpenImage = (imageId, list, mode) => {
    if (!viewerReady) {
      setError('Predict the validation images first (button above): the viewer shows the stored predictions.');
      return;
    }
    setOpen({ imageId, list, ...(mode && { mode }) });
  };
  const tabs: [Tab, string][] = [
    ['hardest', 'Hardest images'],
    ['confusion', 'Confusion matrix'],
    ['review', 'Review queue'],
    ['tta', 'Flip TTA per class'],
  ];
  return (
    <div className="page wide" data-testid="page-inspect">
      <PageHeader title="Inspect" subtitle="Where the model fails, where the labels are wrong, and fixing them." />
      <div className="row filters">
        <label className="field inline">
          <span>Run</span>
          <select value={selected} onChange={(e) => chooseRun(e.target.value)} data-testid="inspect-run">
            {missing ? <option value={selected}>(run {selected.slice(0, 8)} is gone or has no validated epoch)</option> : null}
            {candidates.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({optionNote(r)})
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" data-testid="inspect-predictions" data-stale={stale ? 'true' : undefined}>
          {plain
            ? `Validation predictions stored (${count(plain.images, 'image')}, ${byWhat(run, plain.epoch)}; mIoU ${fmt(plain.miou)}${tta ? `, with flip TTA ${fmt(tta.miou)}` : ''}).`
            : 'No stored predictions yet: the viewer, confusion matrix and review queue need them.'}
          {stale ? (
            <strong className="warning-text"> Stale: the best checkpoint is now epoch {predictions.data?.bestEpoch}. Predict again to inspect it.</strong>
          ) : null}
        </span>
        <button type="button" className="button" disabled={predicting} onClick={() => void predict('plain')} data-testid="inspect-predict">
          {predictButtonText(plainJob, jobs, { idle: plain ? 'Predict again' : 'Predict validation images', running: 'Predicting…' })}
        </button>
        <button
          type="button"
          className="button"
          disabled={predicting || masks}
          title={
            masks
              ? 'Flip TTA averages a model over flipped images; imported masks have no model to run, so their TTA rows would equal the plain ones.'
              : undefined
          }
          onClick={() => void predict('tta')}
          data-testid="inspect-predict-tta"
        >
          {predictButtonText(ttaJob, jobs, { idle: 'Predict with flip TTA', running: 'Predicting with flips…' })}
        </button>
        {masks ? (
          <>
            <button type="button" className="button" disabled title={noModel('predict another folder')} data-testid="predict-folder-open">
              Predict a folder…
            </button>
            <button type="button" className="button" disabled title={noModel('make pseudo-labels')} data-testid="pseudo-open">
              Pseudo-labels…
            </button>
          </>
        ) : (
          <>
            <PredictFolder key={selected} runId={selected} />
            <PseudoLabels key={`pseudo-${selected}`} runId={selected} />
          </>
        )}
      </div>
      {message?.runId === selected ? (
        <p className="muted small" data-testid="inspect-message">
          {message.text}
        </p>
      ) : null}
      <ErrorNote message={runs.error ?? error} />
      <div className="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={`tab ${tab === id ? 'active' : ''}`}
            onClick={() => setTab(id)}
            data-testid={`inspect-tab-${id}`}
          >
            {label}
          </button>
        ))}
      </div>

      <div hidden={tab !== 'hardest'}>
        <HardestTab
          key={`hardest-${selected}`}
          runId={selected}
          predictionClassNames={predictions.data?.classNames}
          viewerReady={viewerReady}
          openFrom={openFrom}
          attempt={attempt}
          onMessage={say}
        />
      </div>
      <div hidden={tab !== 'confusion'}>
        <ConfusionTab
          key={`confusion-${selected}`}
          runId={selected}
          plain={plain}
          classNames={classNames}
          classColors={classColors}
          openFrom={openFrom}
          attempt={attempt}
        />
      </div>
      <div hidden={tab !== 'review'}>
        <ReviewTab key={`review-${selected}`} runId={selected} plain={plain} openFrom={openFrom} attempt={attempt} />
      </div>
      <div hidden={tab !== 'tta'}>
        <TtaTab plain={plain} tta={tta} classNames={classNames} />
      </div>

      {open && run && dataset.data ? (
        <SideBySideViewer
          key={`${open.imageId}`}
          run={{ id: run.id, name: run.name }}
          otherRuns={candidates.filter((r) => r.id !== run.id && r.datasetId === run.datasetId).map((r) => ({ id: r.id, name: r.name }))}
          imageId={open.imageId}
          stem={open.list.find((i) => i.imageId === open.imageId)?.stem ?? ''}
          classNames={classNames}
          datasetClasses={dataset.data.classes}
          maskKind={dataset.data.maskKind ?? 'index'}
          initialMode={open.mode}
          onClose={() => setOpen(null)}
          onStep={(delta) => {
            const index = open.list.findIndex((i) => i.imageId === open.imageId);
            setOpen({ ...open, imageId: open.list[(index + delta + open.list.length) % open.list.length]!.imageId });
          }}
        />
      ) : null}
    </div>
  );
}
