import { useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { ErrorNote } from '../../components/ErrorNote';
import { RevisionMarker } from '../../components/RevisionMarker';
import { ViewerBar } from '../../components/ViewerBar';
import { paintClassMap, unknownClass } from '../../components/mask/class-map';
import { loadMask } from '../../components/mask/load-mask';
import type { LoadedMask } from '../../components/mask/load-mask';
import { useFileUrl } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { usePanZoom } from '../../hooks/usePanZoom';
import { fromFormControl } from '../../hooks/keyboard';
import { formatBandView } from '../../../src-shared/band-view-param';
import { BandValues, BandViewPicker, bandViewChoices } from './BandViewControls';

/**
 * One tile at full resolution with its mask in effect over it: opacity, per-class toggles, outline
 * mode, zoom (wheel) and pan (drag), and the class under the cursor. A corrected mask is marked,
 * with Revert to original (and Put back once reverted).
 */
export function ImageViewer({
  dataset,
  imageId,
  onClose,
  onStep,
}: {
  dataset: DatasetDetail;
  imageId: number;
  onClose: () => void;
  onStep: (delta: number) => void;
}) {
  const fileUrl = useFileUrl();
  // Both follow a correction made or reverted anywhere (this viewer's Revert too).
  const detail = useApiQuery('datasets:image', { imageId }, ['dataset:changed']);
  const revisions = useApiQuery('revisions:list', { imageId }, ['dataset:changed']);
  const revisionsHere = revisions.data?.imageId === imageId ? revisions.data : null;
  // The mask is loaded once the revision in effect is known, and again when another is put in effect.
  const maskUrl = revisionsHere ? `${fileUrl('mask', imageId)}?v=${revisionsHere.current ?? 0}` : null;
  // The loaded mask remembers its URL, so stepping to the next image shows no stale overlay.
  const [loaded, setLoaded] = useState<{ url: string; mask: LoadedMask } | null>(null);
  const mask = loaded?.url === maskUrl ? loaded.mask : null;
  const [maskError, setMaskError] = useState<string | null>(null);
  const [opacity, setOpacity] = useState(0.5);
  const [outline, setOutline] = useState(false);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [hover, setHover] = useState<{ x: number; y: number; label: string } | null>(null);
  const layout = dataset.bands;
  const [bandView, setBandView] = useState<string>(() => (layout ? formatBandView(bandViewChoices(layout)[0]!.view) : ''));
  const hoverX = hover?.x;
  const hoverY = hover?.y;
  const point = useMemo(() => (hoverX !== undefined && hoverY !== undefined ? { x: hoverX, y: hoverY } : null), [hoverX, hoverY]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const kind = dataset.maskKind ?? 'index';
  const { viewportRef, handlers, style, fit, toImage, scale } = usePanZoom(mask?.width ?? 0, mask?.height ?? 0);

  useEffect(() => {
    if (maskUrl === null) return undefined;
    const controller = new AbortController();
    loadMask(maskUrl, kind, dataset.classes, controller.signal)
      .then((result) => {
        setLoaded({ url: maskUrl, mask: result });
        setMaskError(null);
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setMaskError(`Cannot load the mask: ${String(error)}`);
      });
    return () => controller.abort();
  }, [maskUrl, kind, dataset.classes]);

  const visible = useMemo(() => new Set(dataset.classes.map((_, i) => i).filter((i) => !hidden.has(i))), [dataset.classes, hidden]);
  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!mask || !element || !context) return;
    element.width = mask.width;
    element.height = mask.height;
    const image = context.createImageData(mask.width, mask.height);
    paintClassMap(mask.classMap, mask.width, dataset.classes, { opacity, visible, outline }, image.data);
    context.putImageData(image, 0, 0);
  }, [mask, dataset.classes, opacity, visible, outline]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
      // Arrows on a focused slider or field move that control, not to the next image.
      if (fromFormControl(event)) return;
      if (event.key === 'ArrowRight') onStep(1);
      if (event.key === 'ArrowLeft') onStep(-1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, onStep]);

  const describe = (x: number, y: number): string => {
    if (!mask || x < 0 || y < 0 || x >= mask.width || y >= mask.height) return '';
    const c = mask.classMap[y * mask.width + x]!;
    return c === unknownClass ? 'Unknown value (ignored)' : (dataset.classes[c]?.name ?? '');
  };
  const image = detail.data;
  // Pixels whose mask value no class owns: the list says so instead of silently summing below 100%.
  const unknownShare = image && image.totalPixels > 0 ? 100 - (100 * image.classPixels.reduce((a, b) => a + (b ?? 0), 0)) / image.totalPixels : 0;
  return (
    <div className="viewer-backdrop" role="dialog" aria-modal="true" aria-label="Image viewer" data-testid="image-viewer">
      <div className="viewer">
        <ViewerBar title={image?.stem ?? ''} onStep={onStep} onFit={fit} onClose={onClose} closeTestId="viewer-close">
          <span className="muted small">{image ? `${image.width}x${image.height} · ${image.split ?? 'no split'}` : ''}</span>
          <RevisionMarker revisions={revisionsHere} onChange={revisions.reload} />
          <span className="viewer-hover" data-testid="viewer-hover">
            {hover ? `${hover.label} · (${hover.x}, ${hover.y})` : 'Hover for the class under the cursor'}
          </span>
        </ViewerBar>
        <div className="viewer-body">
          <div
            className="viewport"
            ref={viewportRef}
            {...handlers}
            onMouseMove={(event) => {
              handlers.onMouseMove(event);
              const point = toImage(event);
              if (point) setHover({ ...point, label: describe(point.x, point.y) });
            }}
            onMouseLeave={() => setHover(null)}
            data-testid="viewer-viewport"
          >
            <div className="stage" style={style}>
              <img src={layout ? `${fileUrl('image', imageId)}?view=${bandView}` : fileUrl('image', imageId)} alt={image?.stem ?? ''} draggable={false} />
              <canvas ref={canvas} className={scale > 2 ? 'pixelated' : ''} data-testid="viewer-overlay" />
            </div>
          </div>
          <aside className="viewer-side">
            {layout ? <BandViewPicker layout={layout} view={bandView} onView={setBandView} /> : null}
            <label className="field">
              <span>Mask opacity {Math.round(opacity * 100)}%</span>
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={opacity}
                onChange={(e) => setOpacity(Number(e.target.value))}
                data-testid="viewer-opacity"
              />
            </label>
            <label className="check">
              <input type="checkbox" checked={outline} onChange={(e) => setOutline(e.target.checked)} data-testid="viewer-outline" /> Outlines only
            </label>
            <ul className="legend" data-testid="viewer-legend">
              {dataset.classes.map((c, i) => {
                const share = image && image.totalPixels > 0 ? (100 * (image.classPixels[i] ?? 0)) / image.totalPixels : 0;
                return (
                  <li key={i}>
                    <label className="check">
                      <input type="checkbox" checked={!hidden.has(i)} onChange={() => setHidden((set) => toggled(set, i))} data-testid={`viewer-class-${i}`} />
                      <span className="swatch" style={{ background: c.color }} />
                      {c.name}
                      <span className="muted small"> {share.toFixed(1)}%</span>
                    </label>
                  </li>
                );
              })}
              {unknownShare >= 0.05 ? (
                <li className="muted" data-testid="viewer-unknown">
                  <span className="swatch" style={{ background: 'transparent' }} />
                  Unknown values (no class) <span className="small">{unknownShare.toFixed(1)}%</span>
                </li>
              ) : null}
            </ul>
            {layout ? <BandValues imageId={imageId} point={point} view={bandView} /> : null}
            <ErrorNote message={maskError ?? detail.error ?? revisions.error} />
          </aside>
        </div>
      </div>
    </div>
  );
}

function toggled(set: ReadonlySet<number>, value: number): ReadonlySet<number> {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
}
