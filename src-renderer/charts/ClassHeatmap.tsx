import { iou } from '../../src-shared/metrics';
import type { EpochSummary } from '../../src-shared/runs';

/** Colour from red (IoU 0) through amber to green (IoU 1). */
function colourOf(value: number): string {
  const hue = Math.round(value * 120);
  return `hsl(${hue} 65% 45%)`;
}

/** Per-class IoU over epochs: one row per class, one cell per epoch; the exact value on hover. */
export function ClassHeatmap({ classNames, epochs }: { classNames: readonly string[]; epochs: readonly EpochSummary[] }) {
  return (
    <figure className="card chart heatmap" data-testid="class-heatmap">
      <figcaption>Per-class IoU by epoch</figcaption>
      <div className="heatmap-scroll">
        <table>
          <thead>
            <tr>
              <th />
              {epochs.map((e) => (
                <th key={e.epoch} className={e.isBest ? 'best' : undefined}>
                  {e.epoch}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {classNames.map((name, c) => (
              <tr key={name}>
                <th>{name}</th>
                {epochs.map((e) => {
                  const counts = e.counts[c];
                  const value = counts ? iou(counts) : null;
                  return (
                    <td
                      key={e.epoch}
                      title={`${name}, epoch ${e.epoch}: IoU ${value === null ? 'n/a (absent)' : value.toFixed(4)}`}
                      style={{ background: value === null ? 'transparent' : colourOf(value) }}
                    >
                      {value === null ? '' : Math.round(value * 100)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
