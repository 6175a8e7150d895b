import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { needsOutline } from '../../src-shared/class-colors';
import { downloadBlob } from '../components/download';
import type { DomainEnd } from './chart-scale';
import { dataRange, nearestIndex, niceTicks, resolveDomain } from './chart-scale';

interface Series {
  key: string;
  name: string;
  color: string;
}

/** A dark underlay for lines too light to read on white (src-shared/class-colors). */
const outlineColor = '#000a';
const height = 220;
const margin = { top: 8, right: 12, bottom: 22, left: 56 };
const font = '11px system-ui, sans-serif';
const threeDecimals = (v: number): string => v.toFixed(3);

interface ChartProps<T> {
  title: string;
  data: readonly T[];
  x: string;
  series: readonly Series[];
  testId: string;
  /** For quantities that cannot be negative (loss, learning rate) pass [0, 'auto']. */
  yDomain?: [number | 'auto', number | 'auto'];
  /** Default: the data's range. Wall time passes [0, 'dataMax'] so that it starts at 0. */
  xDomain?: [number | 'dataMin', number | 'dataMax'];
  format?: (value: number) => string;
}

/** What the drawing needs, computed once per data change (not per frame or hover). */
interface Layout {
  rows: { x: number; values: (number | null)[] }[];
  xs: number[];
  xDomain: [number, number];
  yDomain: [number, number];
  xTicks: number[];
  yTicks: number[];
}

/**
 * A line chart drawn on a canvas: the live charts of the run page and Compare. An epoch landing
 * redraws a few thousand segments instead of re-rendering an SVG tree per line, so streaming runs
 * stay smooth (bench/ui-runs.ts). Hovering shows the exact values of the nearest row; the legend
 * is HTML (it carries each series' colour for tests and screen readers); PNG exports at twice the
 * size with title and legend. Re-renders only when its props change.
 */
export const CanvasLineChart = memo(CanvasLineChartInner) as typeof CanvasLineChartInner;

function CanvasLineChartInner<T extends object>({ title, data, x, series, testId, yDomain, xDomain, format = threeDecimals }: ChartProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<number | null>(null);

  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const layout = useMemo(() => chartLayout(data, x, series, yDomain, xDomain), [data, x, series, yDomain, xDomain]);
  const points = layout.rows.filter((r) => r.values.some((v) => v !== null)).length;

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context || width === 0) return;
    const scale = window.devicePixelRatio || 1;
    element.width = Math.round(width * scale);
    element.height = Math.round(height * scale);
    context.setTransform(scale, 0, 0, scale, 0, 0);
    draw(context, layout, series, width, height, format, { ink: getComputedStyle(element).color, paper: paperOf(element) }, hover, data.length < 40);
  }, [layout, series, width, format, hover, data.length]);

  const onMove = (event: React.MouseEvent<HTMLCanvasElement>): void => {
    const rect = event.currentTarget.getBoundingClientRect();
    const plot = width - margin.left - margin.right;
    const value = layout.xDomain[0] + ((event.clientX - rect.left - margin.left) / plot) * (layout.xDomain[1] - layout.xDomain[0]);
    const index = nearestIndex(layout.xs, value);
    setHover(index < 0 ? null : index);
  };
  const hovered = hover !== null ? layout.rows[hover] : undefined;
  const tipLeft = hovered ? Math.min(width - 160, Math.max(0, xPixel(layout, width, hovered.x) + 12)) : 0;

  return (
    <figure
      className="card chart"
      data-testid={testId}
      data-points={points}
      data-series={series.length}
      data-x-ticks={layout.xTicks.map(formatX).join(' ')}
      data-y-ticks={layout.yTicks.map(format).join(' ')}
    >
      <figcaption>
        {title}
        <button
          type="button"
          className="link-button chart-export"
          onClick={() => canvas.current && exportPng(canvas.current, title, layout, series, width, format, data.length < 40)}
          data-testid={`${testId}-png`}
        >
          PNG
        </button>
      </figcaption>
      <div className="chart-canvas" ref={box} style={{ height }}>
        <canvas
          ref={canvas}
          style={{ width: '100%', height }}
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
          role="img"
          aria-label={`${title}: ${points} points`}
        />
        {hovered ? (
          <div className="chart-tooltip" style={{ left: tipLeft }} data-testid={`${testId}-tooltip`}>
            <div className="muted">
              {x} {formatX(hovered.x)}
            </div>
            {series.map((s, i) =>
              hovered.values[i] !== null ? (
                <div key={s.key}>
                  <span className="chart-swatch" style={{ background: s.color }} /> {s.name}: {format(hovered.values[i]!)}
                </div>
              ) : null,
            )}
          </div>
        ) : null}
      </div>
      {series.length > 1 ? (
        <ul className="chart-legend">
          {series.map((s) => (
            <li key={s.key} data-color={s.color} data-outlined={needsOutline(s.color)}>
              <span className="chart-swatch" style={{ background: s.color }} /> {s.name}
            </li>
          ))}
        </ul>
      ) : null}
    </figure>
  );
}

function chartLayout<T extends object>(
  data: readonly T[],
  x: string,
  series: readonly Series[],
  yDomain?: [DomainEnd, DomainEnd],
  xDomain?: [DomainEnd, DomainEnd],
): Layout {
  const rows: Layout['rows'] = [];
  for (const row of data) {
    const record = row as Record<string, unknown>;
    const xv = record[x];
    if (typeof xv !== 'number' || !Number.isFinite(xv)) continue;
    rows.push({ x: xv, values: series.map((s) => (typeof record[s.key] === 'number' && Number.isFinite(record[s.key]) ? (record[s.key] as number) : null)) });
  }
  rows.sort((a, b) => a.x - b.x);
  const xs = rows.map((r) => r.x);
  const xRange: [number, number] | null = xs.length ? [xs[0]!, xs[xs.length - 1]!] : null;
  const xd = resolveDomain(xRange, xDomain ?? ['dataMin', 'dataMax']);
  const yd = resolveDomain(
    dataRange(
      data as readonly object[],
      series.map((s) => s.key),
    ),
    yDomain ?? ['auto', 'auto'],
  );
  return { rows, xs, xDomain: xd, yDomain: yd, xTicks: niceTicks(xd[0], xd[1], 6, true), yTicks: niceTicks(yd[0], yd[1], 5) };
}

const xPixel = (layout: Layout, width: number, value: number): number =>
  margin.left + ((value - layout.xDomain[0]) / (layout.xDomain[1] - layout.xDomain[0] || 1)) * (width - margin.left - margin.right);
const yPixel = (layout: Layout, h: number, value: number): number =>
  h - margin.bottom - ((value - layout.yDomain[0]) / (layout.yDomain[1] - layout.yDomain[0] || 1)) * (h - margin.top - margin.bottom);
const formatX = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** Grid, axes, lines (outlined when too light), dots for short series, and the hovered row. */
function draw(
  context: CanvasRenderingContext2D,
  layout: Layout,
  series: readonly Series[],
  width: number,
  h: number,
  format: (value: number) => string,
  { ink, paper }: { ink: string; paper: string },
  hover: number | null,
  dots: boolean,
): void {
  context.clearRect(0, 0, width, h);
  context.font = font;
  context.lineWidth = 1;
  // Horizontal grid lines at the y ticks, dashed, with their labels.
  context.strokeStyle = ink;
  context.globalAlpha = 0.18;
  context.setLineDash([3, 3]);
  for (const t of layout.yTicks) {
    const y = Math.round(yPixel(layout, h, t)) + 0.5;
    context.beginPath();
    context.moveTo(margin.left, y);
    context.lineTo(width - margin.right, y);
    context.stroke();
  }
  context.setLineDash([]);
  context.globalAlpha = 1;
  context.fillStyle = ink;
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const t of layout.yTicks) context.fillText(format(t), margin.left - 6, yPixel(layout, h, t));
  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (const t of layout.xTicks) context.fillText(formatX(t), xPixel(layout, width, t), h - margin.bottom + 5);
  context.globalAlpha = 0.5;
  context.beginPath();
  context.moveTo(margin.left, h - margin.bottom + 0.5);
  context.lineTo(width - margin.right, h - margin.bottom + 0.5);
  context.stroke();
  context.globalAlpha = 1;

  context.save();
  context.beginPath();
  // The plot area and 4 px around it, so the dots at its edges are drawn whole.
  context.rect(margin.left - 4, margin.top - 4, width - margin.left - margin.right + 8, h - margin.top - margin.bottom + 8);
  context.clip();
  context.lineJoin = 'round';
  const trace = (i: number): void => {
    context.beginPath();
    let started = false;
    for (const row of layout.rows) {
      const v = row.values[i];
      if (v === null || v === undefined) continue;
      const px = xPixel(layout, width, row.x);
      const py = yPixel(layout, h, v);
      if (started) context.lineTo(px, py);
      else context.moveTo(px, py);
      started = true;
    }
    context.stroke();
  };
  series.forEach((s, i) => {
    if (!needsOutline(s.color)) return;
    context.strokeStyle = outlineColor;
    context.lineWidth = 4;
    trace(i);
  });
  series.forEach((s, i) => {
    context.strokeStyle = s.color;
    context.lineWidth = 1.5;
    trace(i);
    if (!dots) return;
    context.fillStyle = paper;
    context.lineWidth = 1;
    for (const row of layout.rows) {
      const v = row.values[i];
      if (v === null || v === undefined) continue;
      context.beginPath();
      context.arc(xPixel(layout, width, row.x), yPixel(layout, h, v), 3, 0, Math.PI * 2);
      context.fill();
      context.stroke();
    }
  });
  context.restore();

  const row = hover !== null ? layout.rows[hover] : undefined;
  if (!row) return;
  const px = Math.round(xPixel(layout, width, row.x)) + 0.5;
  context.strokeStyle = ink;
  context.globalAlpha = 0.4;
  context.lineWidth = 1;
  context.beginPath();
  context.moveTo(px, margin.top);
  context.lineTo(px, h - margin.bottom);
  context.stroke();
  context.globalAlpha = 1;
  series.forEach((s, i) => {
    const v = row.values[i];
    if (v === null || v === undefined) return;
    context.fillStyle = s.color;
    context.beginPath();
    context.arc(px, yPixel(layout, h, v), 4, 0, Math.PI * 2);
    context.fill();
  });
}

/** The card's background behind the canvas (the theme's panel colour), white when it has none. */
function paperOf(canvas: HTMLCanvasElement): string {
  const background = getComputedStyle(canvas.closest('figure') ?? canvas).backgroundColor;
  return background && background !== 'rgba(0, 0, 0, 0)' ? background : '#ffffff';
}

/** The chart at twice its size with its title above and the legend below, downloaded as `<title>.png`. */
function exportPng(
  source: HTMLCanvasElement,
  title: string,
  layout: Layout,
  series: readonly Series[],
  width: number,
  format: (value: number) => string,
  dots: boolean,
): void {
  const style = getComputedStyle(source.closest('figure') ?? source);
  const paper = paperOf(source);
  const legendRows = series.length > 1 ? Math.ceil(series.length / 4) : 0;
  const total = 24 + height + legendRows * 18 + 6;
  const out = document.createElement('canvas');
  out.width = width * 2;
  out.height = total * 2;
  const context = out.getContext('2d');
  if (!context) return;
  context.scale(2, 2);
  context.fillStyle = paper;
  context.fillRect(0, 0, width, total);
  context.fillStyle = style.color;
  context.font = '600 13px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.fillText(title, margin.left, 6);
  context.translate(0, 24);
  draw(context, layout, series, width, height, format, { ink: getComputedStyle(source).color, paper }, null, dots);
  context.font = font;
  context.textAlign = 'left';
  context.textBaseline = 'middle';
  series.forEach((s, i) => {
    if (legendRows === 0) return;
    const col = i % 4;
    const x = margin.left + col * ((width - margin.left) / 4);
    const y = height + 9 + Math.floor(i / 4) * 18;
    context.fillStyle = s.color;
    context.fillRect(x, y - 5, 10, 10);
    context.fillStyle = style.color;
    context.fillText(s.name, x + 14, y);
  });
  out.toBlob((blob) => blob && downloadBlob(`${title}.png`, blob), 'image/png');
}
