import { useEffect, useMemo, useRef, useState } from 'react';
import type { ClassDef } from '../../../src-shared/classes';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { connectedRegions } from '../../../src-shared/label-errors';
import type { LabelCheckSummary, LabelErrorItem } from '../../../src-shared/label-errors';
import { ErrorNote } from '../../components/ErrorNote';
import { ViewerBar } from '../../components/ViewerBar';
import { paintClassMap, unknownClass } from '../../components/mask/class-map';
import { loadMask } from '../../components/mask/load-mask';
import { useApi, useFileUrl } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { fromFormControl } from '../../hooks/keyboard';

interface Region {
  id: number;
  pixels: number;
  given: string;
  predicted: string;
}

interface Loaded {
  key: string;
  width: number;
  height: number;
  /** Dataset class position per pixel (the mask in effect). */
  given: Uint8Array;
  /** Training label per pixel (the out-of-fold prediction). */
  predicted: Uint8Array;
  /** Suspect region number per pixel (0: none). */
  regionOf: Int32Array;
  regions: Region[];
}

const outlineColour = [255, 0, 255] as const;
const selectedColour = [255, 230, 0] as const;

/**
 * One queued image: the photo, the mask in effect and the out-of-fold prediction side by side,
 * each with the suspect regions outlined (the selected one in yellow). A accepts the prediction in
 * the selected region (Shift+A: in every region), K keeps the label; either marks the image
 * reviewed and the next one opens. Tab selects the next region, arrows step, Esc closes.
 */
export function LabelErrorViewer({
  dataset,
  check,
  item,
  position,
  onClose,
  onStep,
  onReviewed,
}: {
  dataset: DatasetDetail;
  check: LabelCheckSummary;
  item: LabelErrorItem;
  position: string;
  onClose: () => void;
  onStep: (delta: number) => void;
  onReviewed: () => void;
}) {
  const api = useApi();
  const fileUrl = useFileUrl();
  const { error, run: attempt } = useAction();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState(1);
  const [busy, setBusy] = useState(false);
  const canvases = useRef<(HTMLCanvasElement | null)[]>([]);
  const key = `${check.id}/${item.imageId}`;
  const data = loaded?.key === key ? loaded : null;

  // Training labels as classes whose mask values are the labels, coloured like the dataset's class of that name.
  const labelClasses: ClassDef[] = useMemo(
    () => check.classNames.map((name, label) => ({ name, color: dataset.classes.find((c) => c.name === name)?.color ?? '#888888', values: [label], ignore: false })),
    [check.classNames, dataset.classes],
  );

  useEffect(() => {
    const controller = new AbortController();
    const suspect: ClassDef[] = [{ name: 'suspect', color: '#ff00ff', values: [255], ignore: false }];
    Promise.all([
      loadMask(fileUrl('mask', item.imageId), dataset.maskKind ?? 'index', dataset.classes, controller.signal),
      loadMask(fileUrl('check-prediction', item.imageId, String(check.id)), 'index', labelClasses, controller.signal),
      loadMask(fileUrl('check-flag', item.imageId, String(check.id)), 'index', suspect, controller.signal),
    ])
      .then(([given, predicted, flag]) => {
        const marked = flag.classMap.map((c) => (c === 0 ? 1 : 0));
        const { labels, regions } = connectedRegions(marked, flag.width, flag.height);
        const described = regions.map((region, index) => {
          // The region's usual given class and predicted class, for its line in the list.
          const givenCount = new Map<number, number>();
          const predictedCount = new Map<number, number>();
          for (let p = 0; p < labels.length; p += 1) {
            if (labels[p] !== index + 1) continue;
            givenCount.set(given.classMap[p]!, (givenCount.get(given.classMap[p]!) ?? 0) + 1);
            predictedCount.set(predicted.classMap[p]!, (predictedCount.get(predicted.classMap[p]!) ?? 0) + 1);
          }
          const top = (counts: Map<number, number>): number => [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? unknownClass;
          return { id: index + 1, pixels: region.pixels, given: dataset.classes[top(givenCount)]?.name ?? 'unknown', predicted: check.classNames[top(predictedCount)] ?? '?' };
        });
        setLoaded({ key, width: flag.width, height: flag.height, given: given.classMap, predicted: predicted.classMap, regionOf: labels, regions: described });
        setSelected(1);
        setLoadError(null);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setLoadError(`Cannot load this image's check files: ${String(failure)}`);
      });
    return () => controller.abort();
  }, [key, fileUrl, item.imageId, check.id, check.classNames, dataset.classes, dataset.maskKind, labelClasses]);

  useEffect(() => {
    if (!data) return;
    const thickness = Math.max(1, Math.round(Math.max(data.width, data.height) / 300));
    const layers: (((out: Uint8ClampedArray) => void) | null)[] = [
      null,
      (out) => paintClassMap(data.given, data.width, dataset.classes, { opacity: 0.85, visible: new Set(dataset.classes.map((_, i) => i)), outline: false }, out),
      (out) => paintClassMap(data.predicted, data.width, labelClasses, { opacity: 0.85, visible: new Set(labelClasses.map((_, i) => i)), outline: false }, out),
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
  }, [data, selected, dataset.classes, labelClasses]);

  const review = (action: 'accept' | 'accept-all' | 'keep'): void => {
    if (busy) return;
    setBusy(true);
    void attempt(async () => {
      if (action === 'keep') await api.invoke('labelErrors:keep', { checkId: check.id, imageId: item.imageId });
      else await api.invoke('labelErrors:accept', { checkId: check.id, imageId: item.imageId, ...(action === 'accept' && data && data.regions.length > 0 && { region: selected }) });
      onReviewed();
    }).finally(() => setBusy(false));
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
      if (fromFormControl(event)) return;
      if (event.key === 'ArrowRight' || event.key === 'n') onStep(1);
      else if (event.key === 'ArrowLeft' || event.key === 'p') onStep(-1);
      else if (event.key === 'a') review('accept');
      else if (event.key === 'A') review('accept-all');
      else if (event.key === 'k') review('keep');
      else if (event.key === 'Tab' && data && data.regions.length > 0) {
        event.preventDefault();
        setSelected((s) => (s % data.regions.length) + 1);
      } else return;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const panes = ['Image', 'Label (mask in effect)', `Out-of-fold prediction${check.folds > 0 ? ` (fold ${item.fold + 1} model)` : ''}`];
  return (
    <div className="viewer-backdrop" role="dialog" aria-modal="true" aria-label="Label error" data-testid="label-error-viewer">
      <div className="viewer">
        <ViewerBar title={item.stem} onStep={onStep} onClose={onClose} closeTestId="label-error-close">
          <span className="muted small">
            {position} · softmin {item.softmin?.toFixed(3) ?? '–'} · {item.flagged.toLocaleString()} suspect px
            {item.stale ? ' · stale: the mask changed since the check' : ''}
          </span>
        </ViewerBar>
        <div className="viewer-body">
          <div className="check-panes">
            {panes.map((title, pane) => (
              <figure key={title} className="check-pane">
                <div className="check-stage" style={data ? { aspectRatio: `${data.width} / ${data.height}` } : undefined}>
                  {pane === 0 ? <img src={fileUrl('image', item.imageId)} alt={item.stem} draggable={false} /> : <img src={fileUrl('image', item.imageId)} alt="" className="faint" draggable={false} />}
                  <canvas ref={(element) => {
                      canvases.current[pane] = element;
                    }} data-testid={`label-error-pane-${pane}`} />
                </div>
                <figcaption className="small muted">{title}</figcaption>
              </figure>
            ))}
          </div>
          <aside className="viewer-side">
            <p className="small">
              <kbd>A</kbd> accept the prediction in the selected region · <kbd>Shift+A</kbd> in every region · <kbd>K</kbd> the label is right ·{' '}
              <kbd>Tab</kbd> next region · <kbd>←</kbd> <kbd>→</kbd> step
            </p>
            <div className="row">
              <button type="button" className="button primary" disabled={busy || !data || data.regions.length === 0 || item.stale} onClick={() => review('accept')} data-testid="label-error-accept">
                Accept prediction in region {data && data.regions.length > 0 ? selected : ''}
              </button>
              <button type="button" className="button" disabled={busy} onClick={() => review('keep')} data-testid="label-error-keep">
                Label is right
              </button>
            </div>
            <ErrorNote message={error ?? loadError} />
            {data ? (
              data.regions.length === 0 ? (
                <p className="muted small">No suspect region above the minimum size: the image ranks here by its scores alone.</p>
              ) : (
                <ul className="plain-list" data-testid="label-error-regions">
                  {data.regions.map((region) => (
                    <li key={region.id}>
                      <button type="button" className={region.id === selected ? 'link-button strong' : 'link-button'} onClick={() => setSelected(region.id)} data-testid={`label-error-region-${region.id}`}>
                        Region {region.id}: {region.pixels.toLocaleString()} px, labelled {region.given}, looks like {region.predicted}
                      </button>
                    </li>
                  ))}
                </ul>
              )
            ) : (
              <p className="muted small">Loading…</p>
            )}
          </aside>
        </div>
      </div>
    </div>
  );
}

/** Draws the boundary pixels of every suspect region, `thickness` wide, the selected region in its own colour. */
function drawOutlines(data: Loaded, selected: number, thickness: number, out: Uint8ClampedArray): void {
  const { width, height, regionOf } = data;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const id = regionOf[y * width + x]!;
      if (id === 0) continue;
      let edge = false;
      for (let d = 1; d <= thickness && !edge; d += 1) {
        edge =
          x - d < 0 || x + d >= width || y - d < 0 || y + d >= height ||
          regionOf[y * width + x - d] !== id || regionOf[y * width + x + d] !== id || regionOf[(y - d) * width + x] !== id || regionOf[(y + d) * width + x] !== id;
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
