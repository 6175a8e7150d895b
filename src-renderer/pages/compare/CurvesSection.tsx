import { useMemo, useState } from 'react';
import type { RunDetail } from '../../../src-shared/runs';
import { CanvasLineChart } from '../../charts/CanvasLineChart';
import { curveRows, metricLabels, metricName } from './compare-data';
import type { Metric } from './compare-data';

const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7'];

/** The baseline and metric pickers and the runs' curves overlaid, by epoch or by wall time. */
export function CurvesSection({ details, base, onBaseline }: { details: readonly RunDetail[]; base: RunDetail; onBaseline: (id: string) => void }) {
  const [byTime, setByTime] = useState(false);
  const [metric, setMetric] = useState<Metric>('miou');
  const curves = useMemo(() => curveRows(details, metric, byTime), [details, byTime, metric]);
  const isIou = metric === 'miou' || metric.startsWith('class:');
  return (
    <>
      <div className="row">
        <label className="field inline">
          <span>Baseline</span>
          <select value={base.id} onChange={(e) => onBaseline(e.target.value)} data-testid="compare-baseline">
            {details.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Metric</span>
          <select value={metric} onChange={(e) => setMetric(e.target.value as Metric)} data-testid="compare-metric">
            {Object.entries(metricLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            {base.classNames.map((name) => (
              <option key={name} value={`class:${name}`}>
                IoU of {name}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={byTime} onChange={(e) => setByTime(e.target.checked)} data-testid="compare-by-time" /> By wall time (s)
        </label>
      </div>
      <CanvasLineChart
        title={`${metricName(metric)} by ${byTime ? 'wall time (s)' : 'epoch'}`}
        testId="compare-chart"
        data={curves}
        x="x"
        yDomain={isIou ? [0, 1] : [0, 'auto']}
        {...(byTime && { xDomain: [0, 'dataMax'] as [number, 'dataMax'] })}
        {...(metric === 'lr' && { format: (v: number) => v.toExponential(1) })}
        series={details.map((d, i) => ({ key: d.id, name: d.name, color: palette[i % palette.length]! }))}
      />
    </>
  );
}
