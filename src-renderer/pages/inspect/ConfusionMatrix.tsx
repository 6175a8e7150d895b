import { normaliseRows } from '../../../src-shared/predictions';
import { ClassSwatch } from '../../components/ClassSwatch';

/**
 * The run's confusion matrix, each truth row normalised to 1; a click on a cell asks for the
 * images that contribute most to it (the diagonal, correct pixels, is not a confusion). Off-diagonal cells are shaded red, the diagonal green.
 */
export function ConfusionMatrix({
  classNames,
  classColors,
  confusion,
  selected,
  onCell,
}: {
  classNames: readonly string[];
  classColors: readonly string[];
  confusion: readonly number[];
  selected: [number, number] | null;
  onCell: (truth: number, predicted: number) => void;
}) {
  const classes = classNames.length;
  const rows = normaliseRows(confusion, classes);
  return (
    <table className="confusion" data-testid="confusion-matrix">
      <thead>
        <tr>
          <th className="corner">truth ↓ / predicted →</th>
          {classNames.map((name, c) => (
            <th key={name} scope="col">
              <ClassSwatch color={classColors[c] ?? '#888888'} />
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {classNames.map((truthName, t) => (
          <tr key={truthName}>
            <th scope="row">
              <ClassSwatch color={classColors[t] ?? '#888888'} />
              {truthName}
            </th>
            {classNames.map((predictedName, p) => {
              const value = rows[t * classes + p] ?? 0;
              const pixels = confusion[t * classes + p] ?? 0;
              const hue = t === p ? 130 : 0;
              const isSelected = selected?.[0] === t && selected[1] === p;
              return (
                <td
                  key={predictedName}
                  className={isSelected ? 'selected' : ''}
                  style={{ background: `hsl(${hue} 60% ${Math.round(96 - value * 50)}%)`, color: value > 0.55 ? '#fff' : undefined }}
                  title={`${pixels.toLocaleString()} px of ${truthName} predicted as ${predictedName}`}
                >
                  {t === p ? (
                    // The diagonal is the correct pixels: shown as it is, not a confusion to list.
                    <span className="cell-button diagonal" data-testid={`confusion-${t}-${p}`}>
                      {(value * 100).toFixed(1)}%
                    </span>
                  ) : (
                    <button type="button" className="cell-button" disabled={pixels === 0} onClick={() => onCell(t, p)} data-testid={`confusion-${t}-${p}`}>
                      {(value * 100).toFixed(1)}%
                    </button>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
