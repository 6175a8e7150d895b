import { useState } from 'react';
import { defaultWeightTable } from '../../src-shared/hard-samples';
import type { HardestResult } from '../../src-shared/hard-samples';
import type { ImageShare } from '../../src-shared/predictions';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApi, useFileUrl } from '../hooks/ApiContext';
import { useApiQuery } from '../hooks/useApiQuery';
import { hrefFor } from '../hooks/useRoute';
import { ConfusionMatrix } from './inspect/ConfusionMatrix';
import type { ErrorMode } from './inspect/error-map';
import { ImageShareList } from './inspect/ImageShareList';
import { PredictFolder } from './inspect/PredictFolder';
import { PseudoLabels } from './inspect/PseudoLabels';
import { SideBySideViewer } from './inspect/SideBySideViewer';
import { useAction } from '../hooks/useAction';

const shown = 300;
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));
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
  const fileUrl = useFileUrl();
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  const candidates = (runs.data ?? []).filter((r) => r.bestEpoch !== null);
  const [runId, setRunId] = useState('');
  const selected = runId || candidates[0]?.id || '';
  const run = candidates.find((r) => r.id === selected);
  const predictions = useApiQuery('samples:predictions', { runId: selected }, ['run:update']);
  const dataset = useApiQuery('datasets:get', { datasetId: run?.datasetId ?? '' }, ['dataset:changed']);
  const [tab, setTab] = useState<Tab>('hardest');
  const [classIndex, setClassIndex] = useState<number | null>(null);
  const [threshold, setThreshold] = useState(0.5);
  const [table, setTable] = useState<[number, number][]>(defaultWeightTable);
  const [result, setResult] = useState<HardestResult | null>(null);
  const [saving, setSaving] = useState(false);
  const [predicting, setPredicting] = useState<'plain' | 'tta' | null>(null);
  const [open, setOpen] = useState<Opened | null>(null);
  const [cell, setCell] = useState<[number, number] | null>(null);
  const [cellImages, setCellImages] = useState<ImageShare[] | null>(null);
  const [confidence, setConfidence] = useState(0.9);
  const [queue, setQueue] = useState<ImageShare[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { error, run: attempt, setError } = useAction();
  const request = { runId: selected, threshold, table, ...(classIndex === null ? {} : { classIndex }) };
  const plain = predictions.data?.runId === selected ? predictions.data.variants.find((v) => v.variant === 'plain' && v.split === 'val') : undefined;
  const tta = predictions.data?.runId === selected ? predictions.data.variants.find((v) => v.variant === 'tta' && v.split === 'val') : undefined;
  const classNames = predictions.data?.classNames ?? result?.classNames ?? [];

  const guard = async (work: () => Promise<void>): Promise<void> => {
    await attempt(async () => {
      await work();
    });
  };
  const rank = () => guard(async () => setResult(await api.invoke('samples:hardest', request)));
  const predict = (variant: 'plain' | 'tta') =>
    guard(async () => {
      setPredicting(variant);
      try {
        const done = await api.invoke('runs:predictSplit', { runId: selected, split: 'val', tta: variant === 'tta' });
        setMessage(`Predicted ${done.written} validation images${variant === 'tta' ? ' with flip TTA' : ''}${done.skipped ? ` (${done.skipped} skipped)` : ''}.`);
        predictions.reload();
      } finally {
        setPredicting(null);
      }
    });
  const save = () =>
    guard(async () => {
      setSaving(true);
      try {
        const { saved } = await api.invoke('samples:saveWeights', request);
        setMessage(`Saved weights for ${saved} training images. Use them in a new run: sampler "hard samples from this run".`);
      } finally {
        setSaving(false);
      }
    });
  const showCell = (truth: number, predicted: number) =>
    guard(async () => {
      setCell([truth, predicted]);
      setCellImages(await api.invoke('samples:confusionImages', { runId: selected, truth, predicted }));
    });
  const loadQueue = (value: number) =>
    guard(async () => {
      setConfidence(value);
      setQueue(await api.invoke('samples:reviewQueue', { runId: selected, threshold: value }));
    });
  const chooseRun = (id: string): void => {
    setRunId(id);
    setResult(null);
    setCell(null);
    setCellImages(null);
    setQueue(null);
    setMessage(null);
  };

  if (!runs.loading && candidates.length === 0) {
    return (
      <div className="page" data-testid="page-inspect">
        <PageHeader title="Inspect" subtitle="Worst images first: where the model fails, per class." />
        <EmptyState title="No run to inspect" testId="inspect-empty">
          <p>
            Inspect ranks a run&apos;s validation images from worst to best from what each epoch stored, shows where it confuses classes, and
            lets you fix wrong labels beside its predictions. It needs a run with at least one validated epoch.
          </p>
          <p>
            Train one on the <a href={hrefFor('runs')}>Runs</a> page.
          </p>
        </EmptyState>
      </div>
    );
  }
  const viewerReady = !!plain && !!dataset.data && !!run;
  const openFrom = (imageId: number, list: { imageId: number; stem: string }[], mode?: ErrorMode): void => {
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
            {candidates.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} (best mIoU {fmt(r.bestMiou)})
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" data-testid="inspect-predictions">
          {plain
            ? `Validation predictions stored (${plain.images} images, epoch ${plain.epoch ?? '?'}; mIoU ${fmt(plain.miou)}${tta ? `, with flip TTA ${fmt(tta.miou)}` : ''}).`
            : 'No stored predictions yet: the viewer, confusion matrix and review queue need them.'}
        </span>
        <button type="button" className="button" disabled={predicting !== null} onClick={() => void predict('plain')} data-testid="inspect-predict">
          {predicting === 'plain' ? 'Predicting…' : plain ? 'Predict again' : 'Predict validation images'}
        </button>
        <button type="button" className="button" disabled={predicting !== null} onClick={() => void predict('tta')} data-testid="inspect-predict-tta">
          {predicting === 'tta' ? 'Predicting with flips…' : 'Predict with flip TTA'}
        </button>
        <PredictFolder key={selected} runId={selected} />
        <PseudoLabels key={`pseudo-${selected}`} runId={selected} />
      </div>
      {message ? (
        <p className="muted small" data-testid="inspect-message">
          {message}
        </p>
      ) : null}
      <ErrorNote message={runs.error ?? error} />
      <div className="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className={`tab ${tab === id ? 'active' : ''}`} onClick={() => setTab(id)} data-testid={`inspect-tab-${id}`}>
            {label}
          </button>
        ))}
      </div>

      {tab === 'hardest' ? (
        <>
          <div className="row filters">
            <label className="field inline">
              <span>Rank by</span>
              <select value={classIndex ?? ''} onChange={(e) => setClassIndex(e.target.value === '' ? null : Number(e.target.value))} data-testid="inspect-class">
                <option value="">Image mIoU</option>
                {classNames.map((name, i) => (
                  <option key={name} value={i}>
                    {name} IoU
                  </option>
                ))}
              </select>
            </label>
            <label className="field inline">
              <span>IoU threshold</span>
              <input type="number" min={0} max={1} step={0.05} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="inspect-threshold" />
            </label>
            <div className="field inline">
              <span>Weight by classes below the threshold (from n classes: weight)</span>
              <div className="row weight-table">
                {table.map(([count, weight], i) => (
                  <span key={i}>
                    ≥{count}:{' '}
                    <input
                      type="number"
                      min={0}
                      value={weight}
                      aria-label={`Weight from ${count} classes`}
                      onChange={(e) => setTable((rows) => rows.map((row, k) => (k === i ? [row[0], Number(e.target.value)] : row)))}
                    />
                  </span>
                ))}
              </div>
            </div>
            <button type="button" className="button primary" onClick={() => void rank()} data-testid="inspect-rank">
              Rank images
            </button>
          </div>
          {result ? (
            <>
              <div className="row">
                <span className="muted small" data-testid="inspect-count">
                  {result.items.length} validation images at epoch {result.epoch}, worst first{result.items.length > shown ? ` (showing ${shown})` : ''}.
                </span>
                <button type="button" className="button" disabled={saving} onClick={() => void save()} data-testid="inspect-save">
                  {saving ? 'Evaluating the training images…' : 'Save weights for the next run'}
                </button>
                <span className="muted small">{viewerReady ? 'Click an image for ground truth, prediction and errors side by side.' : ''}</span>
              </div>
              <table className="table compact inspect-table" data-testid="inspect-table">
                <thead>
                  <tr>
                    <th>Image</th>
                    <th />
                    <th className="num">mIoU</th>
                    {result.classNames.map((n) => (
                      <th key={n} className="num">
                        {n}
                      </th>
                    ))}
                    <th className="num">Below {threshold}</th>
                    <th className="num">Weight</th>
                  </tr>
                </thead>
                <tbody>
                  {result.items.slice(0, shown).map((item) => (
                    <tr key={item.imageId} data-testid="inspect-row" onClick={() => openFrom(item.imageId, result.items)}>
                      <td>
                        <img className="inspect-thumb" src={fileUrl('thumb', item.imageId)} alt="" loading="lazy" />
                      </td>
                      <td className="mono">{item.stem}</td>
                      <td className="num">{fmt(item.miou)}</td>
                      {item.classIou.map((v, c) => (
                        <td key={c} className={`num ${v !== null && v < threshold ? 'low' : ''}`}>
                          {fmt(v)}
                        </td>
                      ))}
                      <td className="num">{item.below}</td>
                      <td className="num">{item.weight}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            <p className="muted">Rank the run&apos;s validation images, worst first.</p>
          )}
        </>
      ) : null}

      {tab === 'confusion' ? (
        plain ? (
          <div className="row top">
            <div>
              <p className="muted small">Rows are the ground truth, normalised to 100%; click a cell for the images that contribute most to it.</p>
              <ConfusionMatrix classNames={classNames} confusion={plain.confusion} selected={cell} onCell={(t, p) => void showCell(t, p)} />
            </div>
            <div className="grow">
              {cell && cellImages ? (
                <>
                  <h3 data-testid="confusion-cell-title">
                    Predicted {classNames[cell[1]]} where the truth is {classNames[cell[0]]}
                  </h3>
                  <ImageShareList
                    items={cellImages}
                    what="pixels in this cell"
                    testId="confusion-images"
                    onOpen={(imageId) => openFrom(imageId, cellImages, { kind: 'pair', truth: cell[0], predicted: cell[1] })}
                  />
                </>
              ) : null}
            </div>
          </div>
        ) : (
          <p className="muted">Predict the validation images to see the confusion matrix.</p>
        )
      ) : null}

      {tab === 'review' ? (
        plain ? (
          <>
            <div className="row">
              <label className="field inline">
                <span>Prediction confidence at least</span>
                <select value={confidence} onChange={(e) => void loadQueue(Number(e.target.value))} data-testid="review-threshold">
                  {[0.5, 0.6, 0.7, 0.8, 0.9, 0.95].map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" className="button primary" onClick={() => void loadQueue(confidence)} data-testid="review-load">
                Build the review queue
              </button>
              <span className="muted small">Images where the model confidently disagrees with the ground truth, as a share of the image: likely label errors first.</span>
            </div>
            {queue ? <ImageShareList items={queue} what="confidently wrong pixels" testId="review-queue" onOpen={(imageId) => openFrom(imageId, queue)} /> : null}
          </>
        ) : (
          <p className="muted">Predict the validation images to build the review queue.</p>
        )
      ) : null}

      {tab === 'tta' ? (
        plain && tta ? (
          <table className="table compact" data-testid="tta-table">
            <thead>
              <tr>
                <th>Class</th>
                <th className="num">IoU</th>
                <th className="num">IoU with flip TTA</th>
                <th className="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {classNames.map((name, c) => {
                const a = plain.classIou[c] ?? null;
                const b = tta.classIou[c] ?? null;
                const delta = a !== null && b !== null ? b - a : null;
                return (
                  <tr key={name}>
                    <td>{name}</td>
                    <td className="num">{fmt(a)}</td>
                    <td className="num">{fmt(b)}</td>
                    <td className={`num ${delta !== null && delta > 0 ? 'up' : delta !== null && delta < 0 ? 'down' : ''}`}>{delta === null ? '-' : `${delta >= 0 ? '+' : ''}${delta.toFixed(3)}`}</td>
                  </tr>
                );
              })}
              <tr>
                <td>
                  <strong>mIoU</strong>
                </td>
                <td className="num">{fmt(plain.miou)}</td>
                <td className="num">{fmt(tta.miou)}</td>
                <td className="num">{plain.miou !== null && tta.miou !== null ? `${tta.miou - plain.miou >= 0 ? '+' : ''}${(tta.miou - plain.miou).toFixed(3)}` : '-'}</td>
              </tr>
            </tbody>
          </table>
        ) : (
          <p className="muted">Predict the validation images both plainly and with flip TTA to compare them per class.</p>
        )
      ) : null}

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
