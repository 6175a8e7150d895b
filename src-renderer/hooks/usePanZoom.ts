import { useCallback, useEffect, useRef, useState } from 'react';
import type { CSSProperties, MouseEvent as ReactMouseEvent } from 'react';

interface View {
  x: number;
  y: number;
  scale: number;
}

/** The view after a wheel step at (cx, cy) in the viewport: the point under the cursor stays put. */
export function zoomAround(view: View, cx: number, cy: number, deltaY: number): View {
  const scale = Math.min(32, Math.max(0.05, view.scale * Math.exp(-deltaY * 0.0015)));
  const k = scale / view.scale;
  return { scale, x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k };
}

/**
 * The view of a pan-and-zoom stage, for one viewport or several panes that share it (the Inspect
 * viewer): zoom around a point, pan by dragging, fit an image into a box, and the stage's CSS
 * transform (one transform, so a 2448x2448 tile pans as smoothly as a small one).
 */
function usePanZoomView() {
  const [view, setView] = useState<View>({ x: 0, y: 0, scale: 1 });
  const drag = useRef<{ x: number; y: number } | null>(null);
  const zoomAt = useCallback((cx: number, cy: number, deltaY: number) => setView((v) => zoomAround(v, cx, cy, deltaY)), []);
  const fitInto = useCallback((boxWidth: number, boxHeight: number, width: number, height: number) => {
    if (width === 0 || height === 0) return;
    const scale = Math.min(boxWidth / width, boxHeight / height);
    setView({ scale, x: (boxWidth - width * scale) / 2, y: (boxHeight - height * scale) / 2 });
  }, []);
  const pan = {
    start: (event: ReactMouseEvent) => {
      drag.current = { x: event.clientX - view.x, y: event.clientY - view.y };
    },
    move: (event: ReactMouseEvent) => {
      const start = drag.current;
      if (start && event.buttons === 1) setView((v) => ({ ...v, x: event.clientX - start.x, y: event.clientY - start.y }));
    },
    end: () => {
      drag.current = null;
    },
  };
  /** Image coordinates (fractional) of a mouse event over the element the stage sits in. */
  const toImagePoint = (event: ReactMouseEvent, element: Element): [number, number] => {
    const rect = element.getBoundingClientRect();
    return [(event.clientX - rect.left - view.x) / view.scale, (event.clientY - rect.top - view.y) / view.scale];
  };
  const stageStyle = (width: number, height: number): CSSProperties => ({
    transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
    width,
    height,
  });
  return { view, zoomAt, fitInto, pan, toImagePoint, stageStyle };
}

/** Zoom with the wheel around the cursor, pan by dragging, fit to the viewport: one viewport. */
export function usePanZoom(width: number, height: number) {
  const ref = useRef<HTMLDivElement>(null);
  const { view, zoomAt, fitInto, pan, toImagePoint, stageStyle } = usePanZoomView();

  const fit = useCallback(() => {
    const element = ref.current;
    if (element) fitInto(element.clientWidth, element.clientHeight, width, height);
  }, [fitInto, width, height]);
  useEffect(fit, [fit]);

  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const rect = element.getBoundingClientRect();
      zoomAt(event.clientX - rect.left, event.clientY - rect.top, event.deltaY);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  const toImage = (event: ReactMouseEvent): { x: number; y: number } | null => {
    const element = ref.current;
    if (!element) return null;
    const [fx, fy] = toImagePoint(event, element);
    const x = Math.floor(fx);
    const y = Math.floor(fy);
    return x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
  };

  const handlers = { onMouseDown: pan.start, onMouseMove: pan.move, onMouseUp: pan.end };
  return { viewportRef: ref, handlers, style: stageStyle(width, height), fit, toImage, scale: view.scale };
}

/**
 * One view over a grid of panes that show the same image (Inspect's viewer, the label-error
 * review): the wheel zooms around the cursor in whichever pane it is over, dragging pans them all,
 * and the image is fitted into a pane when its size, or `layoutKey` (the panes shown), changes.
 * The grid's panes carry the class `pane`.
 */
export function usePaneGridView(width: number, height: number, layoutKey: string | number = '') {
  const gridRef = useRef<HTMLDivElement>(null);
  const { view, zoomAt, fitInto, pan, toImagePoint, stageStyle } = usePanZoomView();

  const fit = useCallback(() => {
    const pane = gridRef.current?.querySelector('.pane');
    if (pane) fitInto(pane.clientWidth, pane.clientHeight, width, height);
  }, [fitInto, width, height]);
  useEffect(fit, [fit, layoutKey]);

  useEffect(() => {
    const element = gridRef.current;
    if (!element) return undefined;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const pane = (event.target as HTMLElement).closest('.pane');
      if (!pane) return;
      const rect = pane.getBoundingClientRect();
      zoomAt(event.clientX - rect.left, event.clientY - rect.top, event.deltaY);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  return { gridRef, view, pan, toImagePoint, stage: stageStyle(width, height), fit };
}
