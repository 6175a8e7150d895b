import { useState } from 'react';
import { count } from '../../../src-shared/words';
import type { EvaluationSummary } from '../../../src-shared/evaluations';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useAction } from '../../hooks/useAction';

const extraScales = [0.75, 1.25, 1.5];
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));

/**
 * Evaluation jobs beside the runs: the picked runs on their validation images, each plain and
 * with test-time augmentation (flips, scales), and their ensemble; stored tables with per-class
 * differences against the first row.
 */
export function EvaluationsSection({ runIds }: { runIds: readonly string[] }) {
  const api = useApi();
  const evaluations = useApiQuery('evals:list', {}, ['evals:changed', 'job:update']);
  const [flips, setFlips] = useState(true);
  const [scales, setScales] = useState<number[]>([]);
  const { error, run: attempt } = useAction();
  const start = async (): Promise<void> => {
    await attempt(async () => {
      await api.invoke('evals:start', { runIds: [...runIds], tta: flips || scales.length > 0 ? { flips, scales } : null });
    });
  };
  return (
    <section className="card" data-testid="evaluations">
      <h2>Evaluate with TTA and as an ensemble</h2>
      <div className="row">
        <label className="check">
          <input type="checkbox" checked={flips} onChange={(e) => setFlips(e.target.checked)} /> Flips
        </label>
        {extraScales.map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={scales.includes(s)}
              onChange={() => setScales((list) => (list.includes(s) ? list.filter((x) => x !== s) : [...list, s].sort()))}
            />{' '}
            Scale {s}
          </label>
        ))}
        <button type="button" className="button primary" disabled={runIds.length === 0} onClick={() => void start()} data-testid="evaluate-start">
          Evaluate {runIds.length} run{runIds.length === 1 ? '' : 's'}
          {runIds.length > 1 ? ' and their ensemble' : ''}
        </button>
        <span className="muted small">On the validation images, in the engine (progress in the sidebar).</span>
      </div>
      <ErrorNote message={error ?? evaluations.error} />
      {(evaluations.data ?? []).slice(0, 5).map((evaluation) => (
        <EvaluationTable key={evaluation.id} evaluation={evaluation} />
      ))}
    </section>
  );
}

function EvaluationTable({ evaluation }: { evaluation: EvaluationSummary }) {
  const first = evaluation.variants[0];
  const tta = evaluation.tta
    ? `TTA: ${[evaluation.tta.flips ? 'flips' : null, ...evaluation.tta.scales.map((s) => `scale ${s}`)].filter(Boolean).join(', ')}`
    : 'no TTA';
  return (
    <div className="evaluation" data-testid="evaluation" data-status={evaluation.status}>
      <p className="small">
        <strong>{evaluation.runNames.join(' + ')}</strong> on {count(evaluation.images, `${evaluation.split} image`)} · {tta} ·{' '}
        {new Date(evaluation.createdAt).toLocaleString()} · {evaluation.status}
        {evaluation.reason ? `: ${evaluation.reason}` : ''}
      </p>
      {first ? (
        <table className="table compact" data-testid="evaluation-table">
          <thead>
            <tr>
              <th>Variant</th>
              {evaluation.classNames.map((n) => (
                <th key={n} className="num">
                  {n}
                </th>
              ))}
              <th className="num">mIoU</th>
            </tr>
          </thead>
          <tbody>
            {evaluation.variants.map((v) => (
              <tr key={v.name}>
                <th>{v.name}</th>
                {[...v.classIou, v.miou].map((value, c) => {
                  const base = c < v.classIou.length ? first.classIou[c] : first.miou;
                  const delta = v !== first && value !== null && value !== undefined && base !== null && base !== undefined ? value - base : null;
                  return (
                    <td key={c} className="num">
                      {fmt(value)}
                      {delta !== null ? (
                        <span className={delta >= 0 ? 'delta up' : 'delta down'}>
                          {' '}
                          {delta >= 0 ? '+' : ''}
                          {(delta * 100).toFixed(1)}
                        </span>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
