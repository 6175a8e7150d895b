import { useEffect, useMemo, useRef, useState } from 'react';
import type { CSSProperties, MouseEvent as ReactMouseEvent } from 'react';
import type { ClassDef, MaskKind } from '../../../src-shared/classes';
import { hexToValue } from '../../../src-shared/classes';
import type { Region } from '../../../src-shared/raster';
import type { ImageRevisions } from '../../../src-shared/revisions';
import { ErrorNote } from '../../components/ErrorNote';
import { RevisionMarker } from '../../components/RevisionMarker';
import { ViewerBar } from '../../components/ViewerBar';
import { paintClassMap, unknownClass } from '../../components/mask/class-map';
import { loadMask } from '../../components/mask/load-mask';
import { useApi, useFileUrl } from '../../hooks/ApiContext';
import { usePaneGridView } from '../../hooks/usePanZoom';
import { paintErrors } from './error-map';
import { describeCounts, describePixel, errorTitle } from './viewer-text';
import type { Loaded } from './viewer-text';
import type { ErrorCounts, ErrorMode } from './error-map';
import { LabelPanel } from './LabelPanel';
import { ViewerControls } from './ViewerControls';
import type { RunChoice } from './ViewerControls';
import type { Tool } from './LabelPanel';

interface Props {
  run: RunChoice;
  /** Other runs on the same dataset, to show their prediction beside this run's. */
  otherRuns: readonly RunChoice[];
  imageId: number;
  stem: string;
  /** The run's training classes, in label order. */
  classNames: readonly string[];
  /** The dataset's classes, to read the ground-truth mask and take display colours from. */
  datasetClasses: readonly ClassDef[];
  maskKind: MaskKind;
  initialMode?: ErrorMode | undefined;
  onClose: () => void;
  onStep: (delta: number) => void;
}

const emptyRegion: Region = { polygons: [], strokes: [] };

/**
 * Image, ground truth, prediction and error map of one validation image with one zoom and pan for
 * all, optionally a second run's prediction and errors beside them, and label correction: draw a
 * region, accept the prediction or paint a class, undo and redo. Labels are the run's training
 * labels (the ignore class and unknown values: unknownClass).
 */
export function SideBySideViewer({ run, otherRuns, imageId, stem, classNames, datasetClasses, maskKind, initialMode, onClose, onStep }: Props) {
  const api = useApi();
  const fileUrl = useFileUrl();
  const [loaded, setLoaded] = useState<{ key: string; data: Loaded } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<ErrorMode>(initialMode ?? { kind: 'by-true-class' });
  const [opacity, setOpacity] = useState(0.6);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [otherRunId, setOtherRunId] = useState('');
  const [otherMissing, setOtherMissing] = useState(false);
  const [revisions, setRevisions] = useState<ImageRevisions | null>(null);
  const [tool, setTool] = useState<Tool>('pan');
  const [brushRadius, setBrushRadius] = useState(8);
  const [region, setRegion] = useState<Region>(emptyRegion);
  const [draft, setDraft] = useState<number[]>([]);
  const [hover, setHover] = useState<[number, number] | null>(null);
  // Panels the user closed (by title kind), so that the others get the room at 1280x800.
  const [closedPanes, setClosedPanes] = useState<ReadonlySet<string>>(new Set());
  const brush = useRef<{ x: number; y: number } | null>(null);
  const canvases = useRef<(HTMLCanvasElement | null)[]>([]);
  // Bumped when a label change puts another mask in effect; the first load does not wait for the history.
  const [maskVersion, setMaskVersion] = useState(0);
  const key = `${run.id}/${otherRunId}/${imageId}/${maskVersion}`;
  const data = loaded?.key === key ? loaded.data : null;
  // One zoom and pan for every pane, fitted once per image (when its size is known) and per other run.
  const { gridRef: grid, view, pan, toImagePoint, stage, fit } = usePaneGridView(data?.width ?? 0, data?.height ?? 0, otherRunId);

  // Training classes as class definitions whose mask values are the labels themselves.
  const labelClasses: ClassDef[] = useMemo(
    () =>
      classNames.map((name, label) => ({
        name,
        color: datasetClasses.find((c) => c.name === name)?.color ?? '#888888',
        values: [label],
        ignore: false,
      })),
    [classNames, datasetClasses],
  );

  useEffect(() => {
    let live = true;
    api
      .invoke('revisions:list', { imageId })
      .then((state) => live && setRevisions(state))
      .catch((failure: unknown) => live && setError(String(failure)));
    return () => {
      live = false;
    };
  }, [api, imageId]);

  useEffect(() => {
    const controller = new AbortController();
    // Dataset class position -> the run's label; the ignore class, unknown values and classes the run lacks -> unknownClass.
    const labelOf = new Uint8Array(256).fill(unknownClass);
    datasetClasses.forEach((c, position) => {
      const label = c.ignore ? -1 : classNames.indexOf(c.name);
      if (label >= 0) labelOf[position] = label;
    });
    Promise.all([
      loadMask(`${fileUrl('mask', imageId)}?v=${maskVersion}`, maskKind, datasetClasses, controller.signal),
      loadMask(fileUrl('prediction', imageId, run.id), 'index', labelClasses, controller.signal),
      // The other run's prediction may be missing: never blank what is known for that (a note says
      // so), and ask first whether it stored any, rather than fetch a file that is not there.
      otherRunId
        ? api
            .invoke('samples:predictions', { runId: otherRunId })
            .then((summary) =>
              summary.variants.some((v) => v.variant === 'plain' && v.images > 0)
                ? loadMask(fileUrl('prediction', imageId, otherRunId), 'index', labelClasses, controller.signal)
                : null,
            )
            .catch(() => null)
        : Promise.resolve(null),
    ])
      .then(([truthMask, predictionMask, otherMask]) => {
        setOtherMissing(otherRunId !== '' && otherMask === null);
        const truth = new Uint8Array(truthMask.classMap.length);
        for (let p = 0; p < truth.length; p += 1) truth[p] = labelOf[truthMask.classMap[p]!]!;
        setLoaded({
          key,
          data: {
            width: truthMask.width,
            height: truthMask.height,
            truthPositions: truthMask.classMap,
            truth,
            prediction: predictionMask.classMap,
            other: otherMask?.classMap ?? null,
          },
        });
        setError(null);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(`Cannot load this image's masks: ${failure instanceof Error ? failure.message : String(failure)}`);
      });
    return () => controller.abort();
  }, [api, fileUrl, imageId, run.id, otherRunId, key, maskKind, datasetClasses, classNames, labelClasses, maskVersion]);

  // Every overlay as RGBA, and what the error maps show; painted into the canvases below.
  const rendered = useMemo(() => {
    if (!data) return null;
    const visible = new Set(labelClasses.map((_, i) => i).filter((i) => !hidden.has(i)));
    const options = { opacity, visible, outline: false };
    const colours = labelClasses.map((c) => hexToValue(c.color));
    const pixels = data.width * data.height;
    const layer = (draw: (out: Uint8ClampedArray) => void): Uint8ClampedArray<ArrayBuffer> => {
      const out = new Uint8ClampedArray(pixels * 4);
      draw(out);
      return out;
    };
    const layers: (Uint8ClampedArray<ArrayBuffer> | null)[] = [
      layer((out) => paintClassMap(data.truth, data.width, labelClasses, options, out)),
      layer((out) => paintClassMap(data.prediction, data.width, labelClasses, options, out)),
    ];
    const mainErrors = new Uint8ClampedArray(pixels * 4);
    const main = paintErrors(data.truth, data.prediction, mode, colours, mainErrors, hidden);
    layers.push(mainErrors);
    let other: ErrorCounts | null = null;
    if (data.other) {
      const prediction = data.other;
      layers.push(layer((out) => paintClassMap(prediction, data.width, labelClasses, options, out)));
      const otherErrors = new Uint8ClampedArray(pixels * 4);
      other = paintErrors(data.truth, prediction, mode, colours, otherErrors, hidden);
      layers.push(otherErrors);
    }
    return { width: data.width, height: data.height, layers, counts: { main, other } };
  }, [data, labelClasses, mode, opacity, hidden]);
  const counts = rendered?.counts ?? null;

  useEffect(() => {
    if (!rendered) return;
    rendered.layers.forEach((pixels, index) => {
      const canvas = canvases.current[index];
      const context = canvas?.getContext('2d');
      if (!canvas || !context || !pixels) return;
      canvas.width = rendered.width;
      canvas.height = rendered.height;
      context.putImageData(new ImageData(pixels, rendered.width, rendered.height), 0, 0);
    });
  }, [rendered]);

  const closeDraft = (): void => {
    if (draft.length >= 6) setRegion((r) => ({ ...r, polygons: [...r.polygons, draft] }));
    setDraft([]);
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Enter' && tool === 'polygon') {
        if (draft.length >= 6) setRegion((r) => ({ ...r, polygons: [...r.polygons, draft] }));
        setDraft([]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tool, draft]);

  /** Image coordinates of a mouse event over a pane. */
  const toImage = (event: ReactMouseEvent): [number, number] => toImagePoint(event, event.currentTarget);
  const handlers = {
    onMouseDown: (event: ReactMouseEvent) => {
      if (tool === 'pan') {
        pan.start(event);
      } else if (tool === 'brush') {
        const [x, y] = toImage(event);
        setRegion((r) => ({ ...r, strokes: [...r.strokes, { radius: brushRadius, points: [x, y] }] }));
        brush.current = { x, y };
      }
    },
    onMouseMove: (event: ReactMouseEvent) => {
      const [hx, hy] = toImage(event);
      setHover(data && hx >= 0 && hy >= 0 && hx < data.width && hy < data.height ? [Math.floor(hx), Math.floor(hy)] : null);
      if (tool === 'pan') {
        pan.move(event);
        return;
      }
      const start = brush.current;
      if (!start || event.buttons !== 1) return;
      if (tool === 'brush') {
        const [x, y] = toImage(event);
        if (Math.hypot(x - start.x, y - start.y) < Math.max(1, brushRadius / 3)) return;
        brush.current = { x, y };
        setRegion((r) => {
          const strokes = r.strokes.slice();
          const last = strokes[strokes.length - 1];
          if (last) strokes[strokes.length - 1] = { ...last, points: [...last.points, x, y] };
          return { ...r, strokes };
        });
      }
    },
    onMouseLeave: () => setHover(null),
    onMouseUp: () => {
      pan.end();
      brush.current = null;
    },
    onClick: (event: ReactMouseEvent) => {
      if (tool !== 'polygon' || event.detail > 1) return;
      const [x, y] = toImage(event);
      setDraft((d) => [...d, x, y]);
    },
    onDoubleClick: () => {
      if (tool === 'polygon') closeDraft();
    },
  };

  const otherName = otherRuns.find((r) => r.id === otherRunId)?.name;
  const onRevisions = (next: ImageRevisions): void => {
    setRevisions(next);
    setMaskVersion((v) => v + 1);
  };
  const allPanes: { id: string; title: string; layer: number | null }[] = [
    { id: 'image', title: 'Image', layer: null },
    { id: 'truth', title: `Ground truth${revisions?.current ? ' (corrected)' : ''}`, layer: 0 },
    { id: 'prediction', title: `Prediction: ${run.name}`, layer: 1 },
    { id: 'errors', title: errorTitle(mode, classNames, run.name), layer: 2 },
    ...(otherRunId && !otherMissing
      ? [
          { id: 'other', title: `Prediction: ${otherName ?? ''}`, layer: 3 },
          { id: 'other-errors', title: errorTitle(mode, classNames, otherName ?? ''), layer: 4 },
        ]
      : []),
  ];
  const panes = allPanes.filter((p) => !closedPanes.has(p.id));
  const closedHere = allPanes.length - panes.length;
  // Columns for the panels left: one row up to 2, then 2 columns, then 3 (two rows of three at most).
  const columns = panes.length <= 2 ? Math.max(1, panes.length) : panes.length <= 4 ? 2 : 3;
  const gridStyle: CSSProperties = { gridTemplateColumns: `repeat(${columns}, 1fr)`, gridTemplateRows: `repeat(${Math.ceil(panes.length / columns)}, 1fr)` };
  const strokeWidth = 2 / view.scale;
  const overlay = data ? (
    <svg className="region-overlay" viewBox={`0 0 ${data.width} ${data.height}`} width={data.width} height={data.height} aria-hidden="true">
      {region.strokes.map((s, i) => (
        <polyline
          key={`s${i}`}
          points={s.points.length === 2 ? `${s.points[0]},${s.points[1]} ${s.points[0]},${s.points[1]}` : s.points.join(' ')}
          fill="none"
          stroke="rgba(255,214,10,0.45)"
          strokeWidth={s.radius * 2}
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      ))}
      {region.polygons.map((p, i) => (
        <polygon key={`p${i}`} points={p.join(' ')} fill="rgba(255,214,10,0.3)" stroke="#ffd60a" strokeWidth={strokeWidth} />
      ))}
      {draft.length > 0 ? (
        <polyline points={draft.join(' ')} fill="none" stroke="#ffd60a" strokeWidth={strokeWidth} strokeDasharray={`${4 * strokeWidth}`} />
      ) : null}
    </svg>
  ) : null;

  return (
    <div className="viewer-backdrop" role="dialog" aria-modal="true" aria-label="Ground truth against prediction" data-testid="side-viewer">
      <div className="viewer">
        <ViewerBar title={stem} onStep={onStep} onFit={fit} onClose={onClose} closeTestId="side-close">
          <span className="muted small" data-testid="side-accuracy">
            {counts ? describeCounts(mode, counts.main) : ''}
          </span>
          <RevisionMarker revisions={revisions} onChange={onRevisions} />
        </ViewerBar>
        {closedHere > 0 ? (
          <button type="button" className="link-button small side-show-panes" onClick={() => setClosedPanes(new Set())} data-testid="side-show-panes">
            Show all panels ({closedHere} hidden)
          </button>
        ) : null}
        <p className="small side-hover" data-testid="side-hover">
          {data && hover
            ? describePixel(data, hover, { datasetClasses, classNames, runName: run.name, otherName: otherName ?? null })
            : 'Hover a pixel for its true and predicted class.'}
        </p>
        <ViewerControls
          mode={mode}
          onMode={setMode}
          classNames={classNames}
          labelClasses={labelClasses}
          opacity={opacity}
          onOpacity={setOpacity}
          hidden={hidden}
          onHidden={setHidden}
          otherRuns={otherRuns}
          otherRunId={otherRunId}
          onOtherRun={setOtherRunId}
        />
        <ErrorNote message={error} />
        {otherMissing ? (
          <p className="notice warn small" data-testid="side-other-missing">
            {otherName ?? 'That run'} has no stored prediction of this image: predict its validation images on the Inspect page (choose it as the run there),
            then pick it here again.
          </p>
        ) : null}
        <div className="viewer-body">
          <div className={`side-grid tool-${tool}`} ref={grid} style={gridStyle} data-testid="side-grid" data-panes={panes.length}>
            {panes.map(({ id, title, layer }) => (
              <div key={id} className="pane viewport" {...handlers}>
                <div className="stage" style={stage}>
                  <img src={fileUrl('image', imageId)} alt="" draggable={false} style={layer === 2 || layer === 4 ? { opacity: 0.35 } : undefined} />
                  {layer === null ? null : (
                    <canvas
                      ref={(element) => {
                        canvases.current[layer] = element;
                      }}
                      className={view.scale > 2 ? 'pixelated' : ''}
                      data-testid={`side-layer-${layer}`}
                    />
                  )}
                  {overlay}
                </div>
                <span className="pane-title">{title}</span>
                {panes.length > 1 ? (
                  <button
                    type="button"
                    className="pane-close"
                    aria-label={`Hide the panel ${title}`}
                    title="Hide this panel"
                    onMouseDown={(event) => event.stopPropagation()}
                    onClick={(event) => {
                      event.stopPropagation();
                      setClosedPanes((set) => new Set(set).add(id));
                    }}
                    data-testid={`pane-close-${id}`}
                  >
                    ×
                  </button>
                ) : null}
              </div>
            ))}
          </div>
          <aside className="viewer-side">
            <LabelPanel
              imageId={imageId}
              runId={run.id}
              runName={run.name}
              datasetClasses={datasetClasses}
              revisions={revisions}
              region={region}
              tool={tool}
              brushRadius={brushRadius}
              onTool={setTool}
              onBrushRadius={setBrushRadius}
              onClearRegion={() => {
                setRegion(emptyRegion);
                setDraft([]);
              }}
              onRevisions={onRevisions}
            />
            {counts?.other ? (
              <p className="small" data-testid="side-other-accuracy">
                {otherName}: {describeCounts(mode, counts.other)}
              </p>
            ) : null}
          </aside>
        </div>
      </div>
    </div>
  );
}
