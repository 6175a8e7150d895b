import type { PredictionVariantSummary } from '../../../src-shared/predictions';
import { fmt } from './tab-props';

/** Per-class IoU of the stored predictions, plain and with flip TTA, and the change. */
export function TtaTab({
  plain,
  tta,
  classNames,
}: {
  plain: PredictionVariantSummary | undefined;
  tta: PredictionVariantSummary | undefined;
  classNames: string[];
}) {
  return plain && tta ? (
    <table className="table compact" data-testid="tta-table">
      <thead>
        <tr>
          <th>Class</th>
          <th className="num">IoU</th>
          <th className="num">IoU with flip TTA</th>
          <th className="num">Change</th>
        </tr>
      </thead>
      <tbody>
        {classNames.map((name, c) => {
          const a = plain.classIou[c] ?? null;
          const b = tta.classIou[c] ?? null;
          const delta = a !== null && b !== null ? b - a : null;
          return (
            <tr key={name}>
              <td>{name}</td>
              <td className="num">{fmt(a)}</td>
              <td className="num">{fmt(b)}</td>
              <td className={`num ${delta !== null && delta > 0 ? 'up' : delta !== null && delta < 0 ? 'down' : ''}`}>
                {delta === null ? '-' : `${delta >= 0 ? '+' : ''}${delta.toFixed(3)}`}
              </td>
            </tr>
          );
        })}
        <tr>
          <td>
            <strong>mIoU</strong>
          </td>
          <td className="num">{fmt(plain.miou)}</td>
          <td className="num">{fmt(tta.miou)}</td>
          <td className="num">
            {plain.miou !== null && tta.miou !== null ? `${tta.miou - plain.miou >= 0 ? '+' : ''}${(tta.miou - plain.miou).toFixed(3)}` : '-'}
          </td>
        </tr>
      </tbody>
    </table>
  ) : (
    <p className="muted">Predict the validation images both plainly and with flip TTA to compare them per class.</p>
  );
}
