import type { ClassDef } from '../../../src-shared/classes';
import type { ErrorMode } from './error-map';

/** A run to show predictions of, by id and name. */
export interface RunChoice {
  id: string;
  name: string;
}

interface Props {
  mode: ErrorMode;
  onMode: (mode: ErrorMode) => void;
  classNames: readonly string[];
  labelClasses: readonly ClassDef[];
  opacity: number;
  onOpacity: (opacity: number) => void;
  hidden: ReadonlySet<number>;
  onHidden: (update: (hidden: ReadonlySet<number>) => ReadonlySet<number>) => void;
  otherRuns: readonly RunChoice[];
  otherRunId: string;
  onOtherRun: (runId: string) => void;
}

/** The side-by-side viewer's controls: what the error map shows, opacity, class toggles, a second run. */
export function ViewerControls({ mode, onMode, classNames, labelClasses, opacity, onOpacity, hidden, onHidden, otherRuns, otherRunId, onOtherRun }: Props) {
  return (
    <div className="row viewer-controls">
      <label className="field inline small">
        <span>Error map</span>
        <select
          value={mode.kind === 'by-true-class' ? 'all' : mode.kind === 'class' ? `c${mode.label}` : 'pair'}
          onChange={(e) => {
            const v = e.target.value;
            onMode(
              v === 'all'
                ? { kind: 'by-true-class' }
                : v === 'pair'
                  ? { kind: 'pair', truth: 0, predicted: Math.min(1, classNames.length - 1) }
                  : { kind: 'class', label: Number(v.slice(1)) },
            );
          }}
          data-testid="side-mode"
        >
          <option value="all">All errors, by true class</option>
          {classNames.map((name, i) => (
            <option key={name} value={`c${i}`}>
              {name}: false positives / false negatives
            </option>
          ))}
          <option value="pair">Confusion pair…</option>
        </select>
      </label>
      {mode.kind === 'pair' ? (
        <span className="small" data-testid="side-pair">
          predicted{' '}
          <select value={mode.predicted} onChange={(e) => onMode({ ...mode, predicted: Number(e.target.value) })} aria-label="Predicted class">
            {classNames.map((name, i) => (
              <option key={name} value={i}>
                {name}
              </option>
            ))}
          </select>{' '}
          where the truth is{' '}
          <select value={mode.truth} onChange={(e) => onMode({ ...mode, truth: Number(e.target.value) })} aria-label="True class">
            {classNames.map((name, i) => (
              <option key={name} value={i}>
                {name}
              </option>
            ))}
          </select>
        </span>
      ) : null}
      <span className="small error-legend" data-testid="side-error-legend">
        {mode.kind === 'class' ? (
          <>
            <span className="swatch" style={{ background: 'rgb(255,69,58)' }} /> false positive{' '}
            <span className="swatch" style={{ background: 'rgb(10,132,255)' }} /> false negative
          </>
        ) : mode.kind === 'pair' ? (
          <>
            <span className="swatch" style={{ background: 'rgb(255,214,10)' }} /> predicted {classNames[mode.predicted]} where the truth is{' '}
            {classNames[mode.truth]}
          </>
        ) : (
          <>Wrong pixels in the colour of their true class; unticked classes hidden.</>
        )}
      </span>
      <label className="field inline small">
        <span>Opacity</span>
        <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => onOpacity(Number(e.target.value))} data-testid="side-opacity" />
      </label>
      <span className="row class-toggles">
        {labelClasses.map((c, i) => (
          <label key={c.name} className="small">
            <input
              type="checkbox"
              checked={!hidden.has(i)}
              onChange={() =>
                onHidden((h) => {
                  const next = new Set(h);
                  if (next.has(i)) next.delete(i);
                  else next.add(i);
                  return next;
                })
              }
            />
            <span className="swatch" style={{ background: c.color }} />
            {c.name}
          </label>
        ))}
      </span>
      {otherRuns.length > 0 ? (
        <label className="field inline small">
          <span>Beside run</span>
          <select value={otherRunId} onChange={(e) => onOtherRun(e.target.value)} data-testid="side-other-run">
            <option value="">none</option>
            {otherRuns.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </div>
  );
}
