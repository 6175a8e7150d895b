import { useEffect, useRef, useState } from 'react';
import type { MouseEvent as ReactMouseEvent } from 'react';
import type { Region } from '../../../../src-shared/raster';
import type { Tool } from '../LabelPanel';

const emptyRegion: Region = { polygons: [], strokes: [] };

interface PanHandlers {
  start: (event: ReactMouseEvent) => void;
  move: (event: ReactMouseEvent) => void;
  end: () => void;
}

/** A polygon needs three points (six numbers) to close. */
const closed = (region: Region, draft: number[]): Region => (draft.length >= 6 ? { ...region, polygons: [...region.polygons, draft] } : region);

/**
 * The side-by-side viewer's drawing of a region to correct: the tool (pan, polygon, brush), the
 * brush radius, the region drawn so far and the polygon in progress (Enter or a double click
 * closes it), and the pixel under the cursor. `handlers` go on every pane; `toImage` maps a mouse
 * event to image coordinates and `size` is the image's (null before it loads).
 */
export function useRegionDrawing(pan: PanHandlers, toImage: (event: ReactMouseEvent) => [number, number], size: { width: number; height: number } | null) {
  const [tool, setTool] = useState<Tool>('pan');
  const [brushRadius, setBrushRadius] = useState(8);
  const [region, setRegion] = useState<Region>(emptyRegion);
  const [draft, setDraft] = useState<number[]>([]);
  const [hover, setHover] = useState<[number, number] | null>(null);
  const brush = useRef<{ x: number; y: number } | null>(null);

  const closeDraft = (): void => {
    setRegion((r) => closed(r, draft));
    setDraft([]);
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Enter' || tool !== 'polygon') return;
      setRegion((r) => closed(r, draft));
      setDraft([]);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tool, draft]);

  /** Extends the last brush stroke to (x, y) once the cursor has moved a third of the radius. */
  const extendStroke = (x: number, y: number): void => {
    const start = brush.current;
    if (!start || Math.hypot(x - start.x, y - start.y) < Math.max(1, brushRadius / 3)) return;
    brush.current = { x, y };
    setRegion((r) => {
      const strokes = r.strokes.slice();
      const last = strokes[strokes.length - 1];
      if (last) strokes[strokes.length - 1] = { ...last, points: [...last.points, x, y] };
      return { ...r, strokes };
    });
  };

  const handlers = {
    onMouseDown: (event: ReactMouseEvent) => {
      if (tool === 'pan') pan.start(event);
      else if (tool === 'brush') {
        const [x, y] = toImage(event);
        setRegion((r) => ({ ...r, strokes: [...r.strokes, { radius: brushRadius, points: [x, y] }] }));
        brush.current = { x, y };
      }
    },
    onMouseMove: (event: ReactMouseEvent) => {
      const [x, y] = toImage(event);
      setHover(size && x >= 0 && y >= 0 && x < size.width && y < size.height ? [Math.floor(x), Math.floor(y)] : null);
      if (tool === 'pan') pan.move(event);
      else if (tool === 'brush' && event.buttons === 1) extendStroke(x, y);
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

  const clear = (): void => {
    setRegion(emptyRegion);
    setDraft([]);
  };
  return { tool, setTool, brushRadius, setBrushRadius, region, draft, hover, handlers, clear };
}
