import type { Region } from '../../../../src-shared/raster';

/**
 * The region being drawn, over every pane in image coordinates: brush strokes as wide round
 * lines, closed polygons filled, the polygon in progress dashed. Outlines keep 2 screen pixels at
 * any zoom (`scale`).
 */
export function RegionOverlay({
  width,
  height,
  region,
  draft,
  scale,
}: {
  width: number;
  height: number;
  region: Region;
  draft: readonly number[];
  scale: number;
}) {
  const strokeWidth = 2 / scale;
  return (
    <svg className="region-overlay" viewBox={`0 0 ${width} ${height}`} width={width} height={height} aria-hidden="true">
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
  );
}
