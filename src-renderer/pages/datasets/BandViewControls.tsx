import { useEffect, useMemo, useState } from 'react';
import { falseColourBands, presetIndices, trueColourBands } from '../../../src-shared/bands';
import type { BandLayout } from '../../../src-shared/bands';
import { formatBandView, parseBandView, rampLegend, viewValueAt } from '../../../src-shared/band-view-param';
import { rampStops } from '../../../src-shared/band-stats';
import type { BandView } from '../../../src-shared/band-view-param';
import type { PixelValues } from '../../../src-shared/datasets';
import { useApi } from '../../hooks/ApiContext';

/** The views a multispectral image offers: composites, every band, and the preset indices its band names allow. */
export function bandViewChoices(layout: BandLayout): { label: string; view: BandView }[] {
  const choices: { label: string; view: BandView }[] = [];
  const names = layout.names;
  const tc = trueColourBands(names);
  choices.push({ label: `True colour (${tc.map((b) => names[b - 1]).join('-')})`, view: { kind: 'composite', bands: tc } });
  const fc = falseColourBands(names);
  if (fc) choices.push({ label: `False colour (${fc.map((b) => names[b - 1]).join('-')})`, view: { kind: 'composite', bands: fc } });
  const { ndvi, ndwi } = presetIndices(names);
  for (const index of [ndvi, ndwi]) if (index) choices.push({ label: `${index.name} ramp (-1 to 1)`, view: { kind: index.kind, a: index.a, b: index.b } });
  names.forEach((name, i) => choices.push({ label: `Band ${i + 1}: ${name} ramp (p2 to p98)`, view: { kind: 'band', band: i + 1 } }));
  return choices;
}

/**
 * Picks how a multispectral image is drawn: a preset view, or any three bands as red, green and
 * blue; `onView` gets the URL's view parameter.
 */
export function BandViewPicker({ layout, view, onView }: { layout: BandLayout; view: string; onView: (view: string) => void }) {
  const choices = useMemo(() => bandViewChoices(layout), [layout]);
  const parsed = useMemo(() => parseBandView(view), [view]);
  const custom = !choices.some((c) => formatBandView(c.view) === view);
  const composite: [number, number, number] = parsed.kind === 'composite' ? parsed.bands : trueColourBands(layout.names);
  const setChannel = (at: number, band: number): void =>
    onView(formatBandView({ kind: 'composite', bands: composite.map((b, i) => (i === at ? band : b)) as [number, number, number] }));
  return (
    <div className="field">
      <label className="field">
        <span>Bands shown</span>
        <select
          value={custom ? 'custom' : view}
          onChange={(event) => onView(event.target.value === 'custom' ? formatBandView({ kind: 'composite', bands: composite }) : event.target.value)}
          data-testid="viewer-band-view"
        >
          {choices.map((c) => (
            <option key={formatBandView(c.view)} value={formatBandView(c.view)}>
              {c.label}
            </option>
          ))}
          <option value="custom">Any three bands…</option>
        </select>
      </label>
      <RampLegend view={parsed} />
      {custom || parsed.kind === 'composite' ? (
        <div className="row" data-testid="viewer-composite">
          {(['R', 'G', 'B'] as const).map((channel, at) => (
            <label key={channel} className="small">
              {channel}{' '}
              <select value={composite[at]} onChange={(event) => setChannel(at, Number(event.target.value))} data-testid={`viewer-composite-${channel}`}>
                {layout.names.map((name, i) => (
                  <option key={name} value={i + 1}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
      ) : null}
    </div>
  );
}

const rampGradient = `linear-gradient(to right, ${rampStops.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`).join(', ')})`;

/** The colour scale of a ramp view, with its ends and middle; nothing for a composite. */
function RampLegend({ view }: { view: BandView }) {
  const legend = rampLegend(view);
  if (!legend) return null;
  return (
    <div className="ramp-legend small" data-testid="viewer-ramp-legend">
      <div className="ramp-bar" style={{ background: rampGradient }} />
      <div className="row ramp-ticks">
        <span data-testid="viewer-ramp-low">{legend.low}</span>
        <span>{legend.mid}</span>
        <span data-testid="viewer-ramp-high">{legend.high}</span>
      </div>
    </div>
  );
}

/** Every band's value under the cursor, read from the GeoTIFF (asked for once the pointer rests 80 ms). */
export function BandValues({ imageId, point, view }: { imageId: number; point: { x: number; y: number } | null; view: string }) {
  const api = useApi();
  const [values, setValues] = useState<PixelValues | null>(null);
  useEffect(() => {
    if (!point) return;
    let live = true;
    const timer = setTimeout(() => {
      api
        .invoke('datasets:pixel', { imageId, x: point.x, y: point.y })
        .then((v) => live && setValues(v))
        .catch(() => live && setValues(null));
    }, 80);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, imageId, point]);
  const shown = useMemo(() => parseBandView(view), [view]);
  if (!values) return <p className="muted small">Hover for every band's value under the cursor.</p>;
  // The index the ramp shows, computed from these band values as training computes it.
  const index = shown.kind === 'normalized-difference' || shown.kind === 'ratio' ? shown : null;
  const indexValue = index && !values.nodata ? viewValueAt(index, values.values) : null;
  const a = index ? values.names[index.a - 1] : '';
  const b = index ? values.names[index.b - 1] : '';
  return (
    <table className="table compact" data-testid="viewer-band-values">
      <caption className="small">
        ({values.x}, {values.y}){values.nodata ? ' · nodata' : ''}
      </caption>
      <tbody>
        {values.names.map((name, i) => (
          <tr key={name}>
            <td>{name}</td>
            <td className="num">{values.values[i]}</td>
          </tr>
        ))}
        {index && indexValue !== null ? (
          <tr data-testid="viewer-index-value">
            <td>{index.kind === 'ratio' ? `${a} / ${b}` : `(${a} − ${b}) / (${a} + ${b})`}</td>
            <td className="num">{indexValue.toFixed(3)}</td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}
