import type { ExternalModel } from '../../../src-shared/external-model';
import type { RunDetail } from '../../../src-shared/runs';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { hrefFor } from '../../hooks/useRoute';
import { ExternalEvaluation } from './ExternalEvaluation';
import { ExternalModelPanel } from './ExternalModelPanel';
import { RunMeta } from './RunMeta';

const cloneWhy = 'An imported model has no SegBench recipe (loss, optimizer, epochs) to clone.';
const exportWhy = (model: ExternalModel): string => `It is an ONNX file already: ${model.file}`;

/**
 * The run page of an imported model (an external run): it never trained in SegBench, so instead of
 * curves and epochs it shows what the importer found and an evaluation on demand. Resume, stop,
 * clone and export do not apply and say why; evaluate, Compare, Inspect and predict do.
 */
export function ExternalRunView({ run, model, error }: { run: RunDetail; model: ExternalModel; error: string | null }) {
  return (
    <div className="page wide" data-testid="run-view" data-external="true">
      <PageHeader
        title={run.name}
        subtitle={`Imported ONNX model · ${model.layout.toUpperCase()} ${model.output} · ${run.config.inputSize}x${run.config.inputSize} window${run.backend ? ` · ${run.backend}${run.device ? ` (${run.device})` : ''}` : ''}`}
        actions={
          <>
            <a className="button" href={hrefFor('runs')}>
              All runs
            </a>
            <a className="button" href={hrefFor('inspect', run.id)} data-testid="run-inspect">
              Inspect
            </a>
            <a className="button" href={hrefFor('compare')} data-testid="run-compare">
              Compare
            </a>
            <button type="button" className="button" disabled title={cloneWhy} data-testid="run-clone">
              Clone run
            </button>
            <button type="button" className="button" disabled title={exportWhy(model)} data-testid="run-export-open">
              Export ONNX…
            </button>
          </>
        }
      />
      <div className="row run-status-row">
        <StatusBadge status={run.status} reason={run.reason} />
        <span className="badge external-badge" data-testid="run-external-badge">
          ONNX (imported)
        </span>
        <span className="muted small" data-testid="run-external-note">
          Trained outside SegBench, so it has no epochs or curves: there is nothing to resume or stop, no recipe to clone, no export (it is ONNX already), and it cannot teach a distillation run.
          Evaluate it below, side by side with trained runs in Compare, or image by image in Inspect.
        </span>
      </div>
      <ErrorNote message={error} />
      <ExternalModelPanel model={model} classNames={run.classNames} window={run.config.inputSize} />
      <ExternalEvaluation runId={run.id} model={model} classNames={run.classNames} classColors={run.classColors} />
      <RunMeta key={run.id} run={run} />
      {run.events.length > 0 ? (
        <section className="card">
          <h2>Events</h2>
          <ul className="events" data-testid="run-events">
            {run.events.map((e, i) => (
              <li key={i} className={e.level}>
                <span className="muted small">{new Date(e.at).toLocaleTimeString()}</span> {e.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
