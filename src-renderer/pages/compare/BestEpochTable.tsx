import type { RunDetail } from '../../../src-shared/runs';
import { subsetText } from '../../../src-shared/validation-plan';
import { ClassSwatch } from '../../components/ClassSwatch';
import { importedKind } from '../runs/imported-run';
import { bestEpoch, bestValue } from './compare-data';
import { pointsText } from './format';

/** mIoU and each class's IoU at every run's best epoch, with the difference to the baseline in points. */
export function BestEpochTable({ details, base }: { details: readonly RunDetail[]; base: RunDetail }) {
  const colorOf = (name: string): string => base.classColors[base.classNames.indexOf(name)] ?? '#888888';
  const rows: { name: string; className: string | null }[] = [{ name: 'mIoU', className: null }, ...base.classNames.map((name) => ({ name, className: name }))];
  return (
    <table className="table compact compare-table" data-testid="compare-table">
      <thead>
        <tr>
          <th>At each run&apos;s best epoch</th>
          {details.map((d) => (
            <th key={d.id} className="num">
              <span data-testid="compare-run-name">{d.name}</span>
              {d.id === base.id ? ' (baseline)' : ''}
              <span className="muted small block" data-testid="compare-epoch-images">
                {importedKind(d) ? 'imported: no epochs, see the evaluation below' : `epoch ${bestEpoch(d)?.epoch ?? '-'}`}
                {subsetText(bestEpoch(d)?.validated) ? `, validation subset (${subsetText(bestEpoch(d)?.validated)})` : ''}
              </span>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const baseValue = bestValue(base, row.className);
          return (
            <tr key={row.name}>
              <th>
                {row.className !== null ? <ClassSwatch color={colorOf(row.name)} /> : null}
                {row.name}
              </th>
              {details.map((d) => {
                const value = bestValue(d, row.className);
                const delta = value !== null && baseValue !== null && d.id !== base.id ? value - baseValue : null;
                return (
                  <td key={d.id} className="num">
                    {value === null ? '-' : value.toFixed(3)}
                    {delta !== null ? <span className={delta >= 0 ? 'delta up' : 'delta down'}> {pointsText(delta)}</span> : null}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
