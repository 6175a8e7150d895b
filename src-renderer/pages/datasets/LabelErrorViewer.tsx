import { useEffect, useMemo, useRef, useState } from 'react';
import type { MouseEvent as ReactMouseEvent } from 'react';
import type { ClassDef } from '../../../src-shared/classes';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { connectedRegions } from '../../../src-shared/label-errors';
import type { LabelCheckSummary, LabelErrorItem } from '../../../src-shared/label-errors';
import { ErrorNote } from '../../components/ErrorNote';
import { RevisionMarker } from '../../components/RevisionMarker';
import { ViewerBar } from '../../components/ViewerBar';
import { paintClassMap } from '../../components/mask/class-map';
import { loadMask } from '../../components/mask/load-mask';
import { useApi, useFileUrl } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useApiQuery } from '../../hooks/useApiQuery';
import { fromFormControl, fromTextField, undoRedoKey } from '../../hooks/keyboard';
import { usePaneGridView } from '../../hooks/usePanZoom';
import { describeStep } from '../../hooks/useReviewHistory';
import type { ReviewAction, ReviewHistory } from '../../hooks/useReviewHistory';
import { afterAccepting, regionStatus } from './region-status';
import type { LabelMapping, RegionStatus } from './region-status';

/** The check's files of one image: the out-of-fold prediction and its suspect regions. */
interface CheckFiles {
  key: string;
  width: number;
  height: number;
  /** Training label per pixel (the out-of-fold prediction). */
  predicted: Uint8Array;
  /** Suspect region number per pixel (0: none). */
  regionOf: Int32Array;
  regionCount: number;
}

const outlineColour = [255, 0, 255] as const;
const selectedColour = [255, 230, 0] as const;
const paneTitles = ['Image', 'Label (mask in effect)', 'Out-of-fold prediction', 'Label after accepting'];

/**
 * One queued image in four panes with one zoom (wheel) and pan (drag): the photo, the mask in
 * effect, the out-of-fold prediction and the mask as accepting would leave it, each with the
 * suspect regions outlined (the selected one in yellow). A accepts the prediction in the selected
 * region (Shift+A: in every region), K keeps the label; either marks the image reviewed and the
 * next one opens. Ctrl+Z undoes the last review (the image opens again), Ctrl+Shift+Z or Ctrl+Y
 * redoes it. Regions are measured against the mask in effect: one whose pixels already carry the
 * suggested class is done and cannot be accepted again. Tab selects the next region, a click
 * the region under the cursor, arrows step, Esc closes.
 */
export function LabelErrorViewer({
  dataset,
  check,
  item,
  position,
  history,
  onClose,
  onStep,
  onReviewed,
  onShow,
}: {
  dataset: DatasetDetail;
  check: LabelCheckSummary;
  item: LabelErrorItem;
  position: string;
  history: ReviewHistory;
  onClose: () => void;
  onStep: (delta: number) => void;
  onReviewed: () => void;
  /** An undo or redo changed this image: show it. */
  onShow: (item: LabelErrorItem) => void;
}) {
  const api = useApi();
  const fileUrl = useFileUrl();
  const { error, busy, run: attempt } = useAction();
  const [files, setFiles] = useState<CheckFiles | null>(null);
  const [mask, setMask] = useState<{ url: string; classMap: Uint8Array } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const canvases = useRef<(HTMLCanvasElement | null)[]>([]);
  const pressed = useRef<{ x: number; y: number } | null>(null);
  const key = `${check.id}/${item.imageId}`;
  const data = files?.key === key ? files : null;
  const revisions = useApiQuery('revisions:list', { imageId: item.imageId }, ['dataset:changed']);
  const revisionsHere = revisions.data?.imageId === item.imageId ? revisions.data : null;
  // The mask in effect, loaded again whenever another revision is put in effect (accept, undo, redo, revert).
  const maskUrl = revisionsHere ? `${fileUrl('mask', item.imageId)}?v=${revisionsHere.current ?? 0}` : null;
  const given = mask?.url === maskUrl ? mask.classMap : null;
  const { gridRef, view, pan, toImagePoint, stage, fit } = usePaneGridView(data?.width ?? 0, data?.height ?? 0);

  // Training labels as classes whose mask values are the labels, coloured like the dataset's class of that name.
  const labelClasses: ClassDef[] = useMemo(
    () =>
      check.classNames.map((name, label) => ({
        name,
        color: dataset.classes.find((c) => c.name === name)?.color ?? '#888888',
        values: [label],
        ignore: false,
      })),
    [check.classNames, dataset.classes],
  );
  const mapping: LabelMapping = useMemo(
    () => ({
      positionOfLabel: check.classNames.map((name) => dataset.classes.findIndex((c) => c.name === name && !c.ignore)),
      ignored: new Set(dataset.classes.flatMap((c, position) => (c.ignore ? [position] : []))),
    }),
    [check.classNames, dataset.classes],
  );

  useEffect(() => {
    const controller = new AbortController();
    const suspect: ClassDef[] = [{ name: 'suspect', color: '#ff00ff', values: [255], ignore: false }];
    Promise.all([
      loadMask(fileUrl('check-prediction', item.imageId, String(check.id)), 'index', labelClasses, controller.signal),
      loadMask(fileUrl('check-flag', item.imageId, String(check.id)), 'index', suspect, controller.signal),
    ])
      .then(([predicted, flag]) => {
        const marked = flag.classMap.map((c) => (c === 0 ? 1 : 0));
        const { labels, regions } = connectedRegions(marked, flag.width, flag.height);
        setFiles({ key, width: flag.width, height: flag.height, predicted: predicted.classMap, regionOf: labels, regionCount: regions.length });
        setChosen(null);
        setLoadError(null);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setLoadError(`Cannot load this image's check files: ${String(failure)}`);
      });
    return () => controller.abort();
  }, [key, fileUrl, item.imageId, check.id, labelClasses]);

  useEffect(() => {
    if (maskUrl === null) return undefined;
    const controller = new AbortController();
    loadMask(maskUrl, dataset.maskKind ?? 'index', dataset.classes, controller.signal)
      .then((loaded) => setMask({ url: maskUrl, classMap: loaded.classMap }))
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setLoadError(`Cannot load the mask in effect: ${String(failure)}`);
      });
    return () => controller.abort();
  }, [maskUrl, dataset.maskKind, dataset.classes]);

  const regions: RegionStatus[] | null = useMemo(
    () => (data && given && given.length === data.regionOf.length ? regionStatus(data.regionOf, data.regionCount, given, data.predicted, mapping) : null),
    [data, given, mapping],
  );
  // The region chosen, else the first with something left to change.
  const selected = chosen ?? regions?.find((r) => r.pending > 0)?.id ?? 1;
  const selectedRegion = regions?.find((r) => r.id === selected);
  const pending = regions?.some((r) => r.pending > 0) ?? false;

  useEffect(() => {
    if (!data || !given || given.length !== data.regionOf.length) return;
    const thickness = Math.max(1, Math.round(Math.max(data.width, data.height) / 300));
    const all = new Set(dataset.classes.map((_, i) => i));
    const options = { opacity: 0.85, visible: all, outline: false };
    const layers: (((out: Uint8ClampedArray) => void) | null)[] = [
      null,
      (out) => paintClassMap(given, data.width, dataset.classes, options, out),
      (out) => paintClassMap(data.predicted, data.width, labelClasses, { ...options, visible: new Set(labelClasses.map((_, i) => i)) }, out),
      (out) => paintClassMap(afterAccepting(data.regionOf, selected, given, data.predicted, mapping), data.width, dataset.classes, options, out),
    ];
    layers.forEach((paint, pane) => {
      const canvas = canvases.current[pane];
      const context = canvas?.getContext('2d');
      if (!canvas || !context) return;
      canvas.width = data.width;
      canvas.height = data.height;
      const image = context.createImageData(data.width, data.height);
      paint?.(image.data);
      drawOutlines(data, selected, thickness, image.data);
      context.putImageData(image, 0, 0);
    });
  }, [data, given, selected, dataset.classes, labelClasses, mapping]);

  // Only what would change something can be accepted: a region that is done, or a stale image, cannot.
  const acceptable = { accept: !item.stale && (selectedRegion?.pending ?? 0) > 0, 'accept-all': !item.stale && pending, keep: true };
  const review = (action: ReviewAction): void => {
    if (busy || !acceptable[action]) return;
    void attempt(async () => {
      const region = action === 'accept' ? selected : undefined;
      if (action === 'keep') await api.invoke('labelErrors:keep', { checkId: check.id, imageId: item.imageId });
      else await api.invoke('labelErrors:accept', { checkId: check.id, imageId: item.imageId, ...(region !== undefined && { region }) });
      history.record({ action, region, item });
      onReviewed();
    });
  };
  const undoOrRedo = (which: 'undo' | 'redo'): void => {
    if (busy || !(which === 'undo' ? history.undoable : history.redoable)) return;
    void attempt(async () => {
      const changed = await (which === 'undo' ? history.undo() : history.redo());
      if (changed) onShow(changed);
      revisions.reload();
    });
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
      const undo = undoRedoKey(event);
      if (undo) {
        if (fromTextField(event)) return;
        event.preventDefault();
        undoOrRedo(undo);
        return;
      }
      if (fromFormControl(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'ArrowRight' || event.key === 'n') onStep(1);
      else if (event.key === 'ArrowLeft' || event.key === 'p') onStep(-1);
      else if (event.key === 'a') review('accept');
      else if (event.key === 'A') review('accept-all');
      else if (event.key === 'k') review('keep');
      else if (event.key === 'Tab' && regions && regions.length > 0) {
        event.preventDefault();
        setChosen((selected % regions.length) + 1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const pixelAt = (event: ReactMouseEvent): number | null => {
    if (!data) return null;
    const [fx, fy] = toImagePoint(event, event.currentTarget);
    const x = Math.floor(fx);
    const y = Math.floor(fy);
    return x >= 0 && y >= 0 && x < data.width && y < data.height ? y * data.width + x : null;
  };
  const handlers = {
    onMouseDown: (event: ReactMouseEvent) => {
      pressed.current = { x: event.clientX, y: event.clientY };
      pan.start(event);
    },
    onMouseMove: (event: ReactMouseEvent) => {
      pan.move(event);
      setHover(pixelAt(event));
    },
    onMouseUp: (event: ReactMouseEvent) => {
      pan.end();
      // A click (not a drag) on a suspect region selects it.
      const start = pressed.current;
      pressed.current = null;
      if (!start || Math.hypot(event.clientX - start.x, event.clientY - start.y) > 3) return;
      const p = pixelAt(event);
      const id = p === null ? 0 : (data?.regionOf[p] ?? 0);
      if (id > 0) setChosen(id);
    },
    onMouseLeave: () => {
      pan.end();
      setHover(null);
    },
  };

  const className = (position: number | undefined): string => (position === undefined ? '?' : (dataset.classes[position]?.name ?? 'unknown value'));
  const hoverText =
    hover !== null && data && given
      ? `(${hover % data.width}, ${Math.floor(hover / data.width)}): labelled ${className(given[hover])}, predicted ${check.classNames[data.predicted[hover]!] ?? '?'}${data.regionOf[hover] ? `, region ${data.regionOf[hover]}` : ''}`
      : 'Hover for the label and prediction; click a region to select it';
  const titles = paneTitles.map((title, pane) =>
    pane === 2 && check.folds > 0
      ? `${title} (fold ${item.fold + 1} model)`
      : pane === 3 && regions && regions.length > 0
        ? `${title} region ${selected}`
        : title,
  );
  return (
    <div className="viewer-backdrop" role="dialog" aria-modal="true" aria-label="Label error" data-testid="label-error-viewer">
      <div className="viewer">
        <ViewerBar title={item.stem} onStep={onStep} onFit={fit} onClose={onClose} closeTestId="label-error-close">
          <span className="muted small">
            {position} · softmin {item.softmin?.toFixed(3) ?? '–'} · {item.flagged.toLocaleString()} suspect px
            {item.stale ? ' · stale: the mask changed since the check' : ''}
          </span>
          <RevisionMarker revisions={revisionsHere} onChange={revisions.reload} />
        </ViewerBar>
        <p className="small side-hover" data-testid="label-error-hover">
          {hoverText}
        </p>
        <div className="viewer-body">
          <div className="side-grid" ref={gridRef} data-testid="label-error-grid">
            {titles.map((title, pane) => (
              <div key={pane} className="pane viewport" {...handlers}>
                <div className="stage" style={stage}>
                  <img src={fileUrl('image', item.imageId)} alt={pane === 0 ? item.stem : ''} draggable={false} className={pane === 0 ? '' : 'faint'} />
                  <canvas
                    ref={(element) => {
                      canvases.current[pane] = element;
                    }}
                    className={view.scale > 2 ? 'pixelated' : ''}
                    data-testid={`label-error-pane-${pane}`}
                  />
                </div>
                <span className="pane-title">{title}</span>
              </div>
            ))}
          </div>
          <aside className="viewer-side">
            <p className="small">
              <kbd>A</kbd> accept the prediction in the selected region · <kbd>Shift+A</kbd> in every region · <kbd>K</kbd> the label is right ·{' '}
              <kbd>Ctrl+Z</kbd> undo · <kbd>Ctrl+Shift+Z</kbd> redo · <kbd>Tab</kbd> next region · <kbd>←</kbd> <kbd>→</kbd> step · wheel zooms, drag pans
            </p>
            <div className="row">
              <button
                type="button"
                className="button primary"
                disabled={busy || !acceptable.accept}
                onClick={() => review('accept')}
                data-testid="label-error-accept"
              >
                Accept prediction in region {regions && regions.length > 0 ? selected : ''}
              </button>
              <button type="button" className="button" disabled={busy} onClick={() => review('keep')} data-testid="label-error-keep">
                Label is right
              </button>
            </div>
            <div className="row">
              <button
                type="button"
                className="button"
                disabled={busy || !history.undoable}
                onClick={() => undoOrRedo('undo')}
                data-testid="label-error-undo"
                title={history.undoable ? `Undo: ${describeStep(history.undoable)}` : 'Nothing to undo'}
              >
                Undo
              </button>
              <button
                type="button"
                className="button"
                disabled={busy || !history.redoable}
                onClick={() => undoOrRedo('redo')}
                data-testid="label-error-redo"
                title={history.redoable ? `Redo: ${describeStep(history.redoable)}` : 'Nothing to redo'}
              >
                Redo
              </button>
            </div>
            <ErrorNote message={error ?? loadError ?? revisions.error} />
            {regions ? (
              regions.length === 0 ? (
                <p className="muted small">No suspect region above the minimum size: the image ranks here by its scores alone.</p>
              ) : (
                <ul className="plain-list" data-testid="label-error-regions">
                  {regions.map((region) => (
                    <li key={region.id}>
                      <button
                        type="button"
                        className={region.id === selected ? 'link-button strong' : 'link-button'}
                        onClick={() => setChosen(region.id)}
                        data-testid={`label-error-region-${region.id}`}
                      >
                        {regionLine(region, dataset.classes, check.classNames)}
                      </button>
                    </li>
                  ))}
                </ul>
              )
            ) : (
              <p className="muted small">Loading…</p>
            )}
            {history.steps.length > 0 ? (
              <>
                <p className="small muted">This session (Ctrl+Z undoes the newest):</p>
                <ol className="revision-list small" data-testid="label-error-history">
                  {history.steps.slice(-8).map((step, index) => (
                    <li key={index} className={step.undone ? 'muted' : ''}>
                      {step.undone ? `Undone: ${describeStep(step)}` : capitalised(describeStep(step))}
                    </li>
                  ))}
                </ol>
              </>
            ) : null}
          </aside>
        </div>
      </div>
    </div>
  );
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** "Region 1: 144 px, labelled Background, looks like Building", or, once its pixels carry the suggested class, "… now Building as suggested: done". */
function regionLine(region: RegionStatus, classes: readonly ClassDef[], labels: readonly string[]): string {
  const head = `Region ${region.id}: ${region.pixels.toLocaleString()} px`;
  const predicted = labels[region.predicted] ?? '?';
  if (region.pending === 0) return `${head}, now ${predicted} as suggested: done`;
  const left = region.pending < region.pixels ? ` (${region.pending.toLocaleString()} px left to change)` : '';
  return `${head}, labelled ${classes[region.given]?.name ?? 'unknown value'}, looks like ${predicted}${left}`;
}

/** Draws the boundary pixels of every suspect region, `thickness` wide, the selected region in its own colour. */
function drawOutlines(data: CheckFiles, selected: number, thickness: number, out: Uint8ClampedArray): void {
  const { width, height, regionOf } = data;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const id = regionOf[y * width + x]!;
      if (id === 0) continue;
      let edge = false;
      for (let d = 1; d <= thickness && !edge; d += 1) {
        edge =
          x - d < 0 ||
          x + d >= width ||
          y - d < 0 ||
          y + d >= height ||
          regionOf[y * width + x - d] !== id ||
          regionOf[y * width + x + d] !== id ||
          regionOf[(y - d) * width + x] !== id ||
          regionOf[(y + d) * width + x] !== id;
      }
      if (!edge) continue;
      const colour = id === selected ? selectedColour : outlineColour;
      const i = (y * width + x) * 4;
      out[i] = colour[0];
      out[i + 1] = colour[1];
      out[i + 2] = colour[2];
      out[i + 3] = 255;
    }
  }
}
