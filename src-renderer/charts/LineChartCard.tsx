import { memo, useRef } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { needsOutline } from '../../src-shared/class-colors';
import { exportChartPng } from './export-png';

export interface Series {
  key: string;
  name: string;
  color: string;
}

/** A dark underlay for lines too light to read on white (src-shared/class-colors). */
const outlineColor = '#000a';

/** One chart card: lines over a numeric x axis; hovering shows exact values. Re-renders only when its props change. */
export const LineChartCard = memo(LineChartCardInner) as typeof LineChartCardInner;

function LineChartCardInner<T extends object>({
  title,
  data,
  x,
  series,
  testId,
  yDomain,
  xDomain,
  format = (v) => v.toFixed(3),
}: {
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
}) {
  const figure = useRef<HTMLElement>(null);
  return (
    <figure className="card chart" data-testid={testId} ref={figure}>
      <figcaption>
        {title}
        <button
          type="button"
          className="link-button chart-export"
          onClick={() => figure.current && void exportChartPng(figure.current, `${title}.png`)}
          data-testid={`${testId}-png`}
        >
          PNG
        </button>
      </figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data as T[]} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey={x} type="number" domain={xDomain ?? ['dataMin', 'dataMax']} allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis domain={yDomain ?? ['auto', 'auto']} tick={{ fontSize: 11 }} tickFormatter={(v: number) => format(v)} width={52} />
          <Tooltip formatter={(value) => (typeof value === 'number' ? format(value) : String(value))} />
          {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
          {series.filter((s) => needsOutline(s.color)).map((s) => (
            <Line
              key={`${s.key}-outline`}
              type="monotone"
              dataKey={s.key}
              stroke={outlineColor}
              strokeWidth={4}
              dot={false}
              activeDot={false}
              legendType="none"
              tooltipType="none"
              isAnimationActive={false}
              connectNulls
            />
          ))}
          {series.map((s) => (
            <Line key={s.key} type="monotone" dataKey={s.key} name={s.name} stroke={s.color} dot={data.length < 40} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
