import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

interface VirtualGridProps<T> {
  items: readonly T[];
  cellWidth: number;
  cellHeight: number;
  gap?: number;
  /** Extra rows rendered above and below the viewport, so fast scrolling shows no blanks. */
  overscanRows?: number;
  keyOf: (item: T) => string | number;
  renderCell: (item: T, index: number) => ReactNode;
  testId?: string;
}

/**
 * A grid that mounts only the cells in view: 20,000 thumbnails cost what 60 do. The scroll
 * height is the full grid's; cells are positioned absolutely by row and column.
 */
export function VirtualGrid<T>({ items, cellWidth, cellHeight, gap = 8, overscanRows = 2, keyOf, renderCell, testId }: VirtualGridProps<T>) {
  const container = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ width: 800, height: 600, scrollTop: 0 });

  useEffect(() => {
    const element = container.current;
    if (!element) return undefined;
    const measure = (): void => setViewport({ width: element.clientWidth, height: element.clientHeight, scrollTop: element.scrollTop });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((viewport.width + gap) / (cellWidth + gap)));
  const rowHeight = cellHeight + gap;
  const rows = Math.ceil(items.length / columns);
  const firstRow = Math.max(0, Math.floor(viewport.scrollTop / rowHeight) - overscanRows);
  const lastRow = Math.min(rows - 1, Math.ceil((viewport.scrollTop + viewport.height) / rowHeight) + overscanRows);
  const cells: ReactNode[] = [];
  for (let row = firstRow; row <= lastRow; row += 1) {
    for (let column = 0; column < columns; column += 1) {
      const index = row * columns + column;
      const item = items[index];
      if (item === undefined) break;
      cells.push(
        <div key={keyOf(item)} className="vgrid-cell" style={{ top: row * rowHeight, left: column * (cellWidth + gap), width: cellWidth, height: cellHeight }}>
          {renderCell(item, index)}
        </div>,
      );
    }
  }
  return (
    <div
      ref={container}
      className="vgrid"
      data-testid={testId}
      onScroll={(event) => {
        const element = event.currentTarget;
        setViewport((v) => ({ ...v, scrollTop: element.scrollTop }));
      }}
    >
      <div className="vgrid-space" style={{ height: rows * rowHeight }}>
        {cells}
      </div>
    </div>
  );
}
