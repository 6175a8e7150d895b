import { useEffect, useMemo, useRef, useState } from 'react';
import type { CSSProperties, MouseEvent as ReactMouseEvent } from 'react';
import type { ClassDef, MaskKind } from '../../../src-shared/classes';
import { hexToValue } from '../../../src-shared/classes';
import { ErrorNote } from '../../components/ErrorNote';
import { ViewerBar } from '../../components/ViewerBar';
import { paintClassMap, unknownClass } from '../../components/mask/class-map';
import { loadMask } from '../../components/mask/load-mask';
import { useFileUrl } from '../../hooks/ApiContext';
import { zoomAround } from '../../hooks/usePanZoom';

interface Props {
  runId: string;
  imageId: number;
  stem: string;
  /** The run's training classes, in label order. */
  classNames: readonly string[];
  /** The dataset's classes, to read the ground-truth mask and take display colours from. */
  datasetClasses: readonly ClassDef[];
  maskKind: MaskKind;
  onClose: () => void;
  onStep: (delta: number) => void;
}

interface Loaded {
  width: number;
  height: number;
  truth: Uint8Array;
  prediction: Uint8Array;
}

/**
 * Image, ground truth, prediction and error map of one validation image, with one zoom and pan
 * for all four. The error map leaves correct and ignored pixels clear and colours each error by
 * its true class. Labels are the run's training labels (the ignore class and unknown values: 255).
 */
export function SideBySideViewer({ runId, imageId, stem, classNames, datasetClasses, maskKind, onClose, onStep }: Props) {
  const fileUrl = useFileUrl();
  const [loaded, setLoaded] = useState<{ key: string; data: Loaded } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState({ x: 0, y: 0, scale: 1 });
  const drag = useRef<{ x: number; y: number } | null>(null);
  const grid = useRef<HTMLDivElement>(null);
  const truthCanvas = useRef<HTMLCanvasElement>(null);
  const predictionCanvas = useRef<HTMLCanvasElement>(null);
  const errorCanvas = useRef<HTMLCanvasElement>(null);
  const key = `${runId}/${imageId}`;
  const data = loaded?.key === key ? loaded.data : null;

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
    const controller = new AbortController();
    const positionToLabel = datasetClasses.map((c) => (c.ignore ? unknownClass : classNames.indexOf(c.name)));
    Promise.all([
      loadMask(fileUrl('mask', imageId), maskKind, datasetClasses, controller.signal),
      loadMask(fileUrl('prediction', imageId, runId), 'index', labelClasses, controller.signal),
    ])
      .then(([truthMask, predictionMask]) => {
        const truth = truthMask.classMap.map((p) => (p === unknownClass ? unknownClass : (positionToLabel[p] ?? unknownClass) < 0 ? unknownClass : positionToLabel[p]!));
        setLoaded({ key, data: { width: truthMask.width, height: truthMask.height, truth, prediction: predictionMask.classMap } });
        setError(null);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(`Cannot load this image's masks: ${String(failure)}`);
      });
    return () => controller.abort();
  }, [fileUrl, imageId, runId, key, maskKind, datasetClasses, classNames, labelClasses]);

  useEffect(() => {
    if (!data) return;
    const visible = new Set(labelClasses.map((_, i) => i));
    const paint = (canvas: HTMLCanvasElement | null, draw: (out: Uint8ClampedArray) => void): void => {
      const context = canvas?.getContext('2d');
      if (!canvas || !context) return;
      canvas.width = data.width;
      canvas.height = data.height;
      const image = context.createImageData(data.width, data.height);
      draw(image.data);
      context.putImageData(image, 0, 0);
    };
    paint(truthCanvas.current, (out) => paintClassMap(data.truth, data.width, labelClasses, { opacity: 0.6, visible, outline: false }, out));
    paint(predictionCanvas.current, (out) => paintClassMap(data.prediction, data.width, labelClasses, { opacity: 0.6, visible, outline: false }, out));
    const colours = labelClasses.map((c) => hexToValue(c.color));
    paint(errorCanvas.current, (out) => {
      for (let p = 0; p < data.truth.length; p += 1) {
        const t = data.truth[p]!;
        if (t === unknownClass || t === data.prediction[p]) continue;
        const v = colours[t] ?? 0;
        out.set([v >> 16, (v >> 8) & 255, v & 255, 255], p * 4);
      }
    });
  }, [data, labelClasses]);

  const fit = (): void => {
    const pane = grid.current?.querySelector('.pane');
    if (!pane || !data) return;
    const scale = Math.min(pane.clientWidth / data.width, pane.clientHeight / data.height);
    setView({ scale, x: (pane.clientWidth - data.width * scale) / 2, y: (pane.clientHeight - data.height * scale) / 2 });
  };
  // Fit once per image, when its size is known.
  useEffect(fit, [data?.width, data?.height]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const element = grid.current;
    if (!element) return undefined;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const pane = (event.target as HTMLElement).closest('.pane');
      if (!pane) return;
      const rect = pane.getBoundingClientRect();
      setView((v) => zoomAround(v, event.clientX - rect.left, event.clientY - rect.top, event.deltaY));
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, []);

  const stage: CSSProperties = { transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`, width: data?.width ?? 0, height: data?.height ?? 0 };
  const handlers = {
    onMouseDown: (event: ReactMouseEvent) => {
      drag.current = { x: event.clientX - view.x, y: event.clientY - view.y };
    },
    onMouseMove: (event: ReactMouseEvent) => {
      const start = drag.current;
      if (start && event.buttons === 1) setView((v) => ({ ...v, x: event.clientX - start.x, y: event.clientY - start.y }));
    },
    onMouseUp: () => {
      drag.current = null;
    },
  };
  const accuracy = data ? accuracyOf(data) : null;
  const panes: [string, number | null][] = [
    ['Image', null],
    ['Ground truth', 0],
    ['Prediction', 1],
    ['Errors (by true class)', 2],
  ];
  return (
    <div className="viewer-backdrop" role="dialog" aria-modal="true" aria-label="Ground truth against prediction" data-testid="side-viewer">
      <div className="viewer">
        <ViewerBar title={stem} onStep={onStep} onFit={fit} onClose={onClose} closeTestId="side-close">
          <span className="muted small" data-testid="side-accuracy">
            {accuracy === null ? '' : `${(accuracy * 100).toFixed(1)}% of labelled pixels correct`}
          </span>
        </ViewerBar>
        <ErrorNote message={error} />
        <div className="side-grid" ref={grid}>
          {panes.map(([title, layer]) => (
            <div key={title} className="pane viewport" {...handlers}>
              <div className="stage" style={stage}>
                <img src={fileUrl('image', imageId)} alt="" draggable={false} style={layer === 2 ? { opacity: 0.35 } : undefined} />
                {layer === null ? null : (
                  <canvas
                    ref={layer === 0 ? truthCanvas : layer === 1 ? predictionCanvas : errorCanvas}
                    className={view.scale > 2 ? 'pixelated' : ''}
                    data-testid={`side-layer-${layer}`}
                  />
                )}
              </div>
              <span className="pane-title">{title}</span>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

function accuracyOf(data: Loaded): number | null {
  let labelled = 0;
  let correct = 0;
  for (let p = 0; p < data.truth.length; p += 1) {
    if (data.truth[p] === unknownClass) continue;
    labelled += 1;
    if (data.truth[p] === data.prediction[p]) correct += 1;
  }
  return labelled > 0 ? correct / labelled : null;
}
