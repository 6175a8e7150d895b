import { memo, useEffect, useRef, useState } from 'react';
import { iou } from '../../src-shared/metrics';
import type { EpochSummary } from '../../src-shared/runs';
import { subsetText } from '../../src-shared/validation-plan';
import { needsOutline } from '../../src-shared/class-colors';

const cellWidth = 22;
const cellHeight = 20;
const labelWidth = 110;
const headerHeight = 18;
const swatch = 10;

/** Colour from red (IoU 0) through amber to green (IoU 1). */
function colourOf(value: number): string {
  return `hsl(${Math.round(value * 120)} 65% 45%)`;
}

/**
 * Per-class IoU over epochs: one row per class, one cell per epoch, drawn on a canvas (a table of
 * 200 epochs x 10 classes is 2,000 DOM cells to re-render per epoch); the exact value on hover.
 */
export const ClassHeatmap = memo(ClassHeatmapInner);

function ClassHeatmapInner({
  classNames,
  classColors,
  epochs,
}: {
  classNames: readonly string[];
  classColors: readonly string[];
  epochs: readonly EpochSummary[];
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<string | null>(null);
  const width = labelWidth + epochs.length * cellWidth;
  const height = headerHeight + classNames.length * cellHeight;

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context) return;
    const scale = window.devicePixelRatio || 1;
    element.width = width * scale;
    element.height = height * scale;
    context.setTransform(scale, 0, 0, scale, 0, 0);
    const style = getComputedStyle(element);
    context.clearRect(0, 0, width, height);
    context.font = '11px system-ui, sans-serif';
    context.textBaseline = 'middle';
    context.fillStyle = style.color;
    classNames.forEach((name, c) => {
      // The class's own colour as a swatch before its name, outlined when too light for white.
      const top = headerHeight + c * cellHeight + (cellHeight - swatch) / 2;
      context.fillStyle = classColors[c] ?? '#888';
      context.fillRect(0, top, swatch, swatch);
      if (needsOutline(classColors[c] ?? '')) {
        context.strokeStyle = '#0009';
        context.strokeRect(0.5, top + 0.5, swatch - 1, swatch - 1);
      }
      context.fillStyle = style.color;
      context.fillText(name, swatch + 5, headerHeight + c * cellHeight + cellHeight / 2, labelWidth - swatch - 11);
    });
    epochs.forEach((e, i) => {
      const x = labelWidth + i * cellWidth;
      if (i % 5 === 0 || e.isBest || i === epochs.length - 1) {
        context.fillStyle = e.isBest ? '#2e8b57' : style.color;
        context.fillText(String(e.epoch), x + 2, headerHeight / 2, cellWidth);
      }
      classNames.forEach((_, c) => {
        const counts = e.counts[c];
        const value = counts ? iou(counts) : null;
        if (value === null) return;
        context.fillStyle = colourOf(value);
        context.fillRect(x, headerHeight + c * cellHeight, cellWidth - 1, cellHeight - 1);
        context.fillStyle = '#fff';
        context.fillText(String(Math.round(value * 100)), x + 2, headerHeight + c * cellHeight + cellHeight / 2, cellWidth - 3);
      });
    });
  }, [classNames, classColors, epochs, width, height]);

  const describe = (event: React.MouseEvent<HTMLCanvasElement>): void => {
    const rect = event.currentTarget.getBoundingClientRect();
    const i = Math.floor((event.clientX - rect.left - labelWidth) / cellWidth);
    const c = Math.floor((event.clientY - rect.top - headerHeight) / cellHeight);
    const e = epochs[i];
    const name = classNames[c];
    if (!e || name === undefined) return setHover(null);
    const counts = e.counts[c];
    const value = counts ? iou(counts) : null;
    const subset = subsetText(e.validated);
    setHover(`${name}, epoch ${e.epoch}: IoU ${value === null ? 'n/a (absent)' : value.toFixed(4)}${subset ? ` (validation subset, ${subset})` : ''}`);
  };

  return (
    <figure className="card chart heatmap" data-testid="class-heatmap" data-classes={classNames.length} data-epochs={epochs.length}>
      <figcaption>Per-class IoU by epoch</figcaption>
      <div className="heatmap-scroll">
        <canvas ref={canvas} style={{ width, height }} onMouseMove={describe} onMouseLeave={() => setHover(null)} />
      </div>
      <div className="muted small heatmap-hover" data-testid="heatmap-hover">
        {hover ?? 'Hover a cell for its exact IoU.'}
      </div>
    </figure>
  );
}
