import { useCallback, useEffect, useRef, useState } from 'react';
import type { CSSProperties, MouseEvent as ReactMouseEvent } from 'react';

export interface View {
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
 * Zoom with the wheel around the cursor, pan by dragging, fit to the viewport. The stage is moved
 * with one CSS transform, so a 2448x2448 tile pans as smoothly as a small one.
 */
export function usePanZoom(width: number, height: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ x: 0, y: 0, scale: 1 });
  const drag = useRef<{ x: number; y: number } | null>(null);

  const fit = useCallback(() => {
    const element = ref.current;
    if (!element || width === 0 || height === 0) return;
    const scale = Math.min(element.clientWidth / width, element.clientHeight / height);
    setView({ scale, x: (element.clientWidth - width * scale) / 2, y: (element.clientHeight - height * scale) / 2 });
  }, [width, height]);
  useEffect(fit, [fit]);

  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const rect = element.getBoundingClientRect();
      setView((v) => zoomAround(v, event.clientX - rect.left, event.clientY - rect.top, event.deltaY));
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, []);

  const toImage = useCallback(
    (event: ReactMouseEvent): { x: number; y: number } | null => {
      const element = ref.current;
      if (!element) return null;
      const rect = element.getBoundingClientRect();
      const x = Math.floor((event.clientX - rect.left - view.x) / view.scale);
      const y = Math.floor((event.clientY - rect.top - view.y) / view.scale);
      return x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
    },
    [view, width, height],
  );

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
  const style: CSSProperties = { transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`, width, height };
  return { viewportRef: ref, handlers, style, fit, toImage, scale: view.scale };
}
