import type { RunDetail } from '../../../src-shared/runs';
import { count } from '../../../src-shared/words';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { hrefFor } from '../../hooks/useRoute';
import { ExternalEvaluation } from './ExternalEvaluation';
import { ExternalModelPanel, PredictedMasksPanel } from './ExternalModelPanel';
import { importedBadge } from './imported-run';
import { RunMeta } from './RunMeta';

/**
 * The run page of an imported run (an external run): an ONNX model trained elsewhere, or a folder
 * of masks predicted elsewhere. It never trained in SegBench, so instead of curves and epochs it
 * shows what the import found and an evaluation on demand. Resume, stop, clone and export do not
 * apply and say why; evaluate, Compare and Inspect do (and, for a model, predict).
 */
export function ExternalRunView({ run, error }: { run: RunDetail; error: string | null }) {
  const model = run.external;
  const masks = model ? null : run.predictedMasks;
  if (!model && !masks) return null;
  const kind = model ? 'onnx' : 'masks';
  const subtitle = model
    ? `Imported ONNX model · ${model.layout.toUpperCase()} ${model.output} · ${run.config.inputSize}x${run.config.inputSize} window${run.backend ? ` · ${run.backend}${run.device ? ` (${run.device})` : ''}` : ''}`
    : `Imported predicted masks · ${count(Object.keys(masks!.files).length, 'mask')} · no model`;
  const cloneWhy = model
    ? 'An imported model has no SegBench recipe (loss, optimizer, epochs) to clone.'
    : 'Imported predicted masks have no SegBench recipe (loss, optimizer, epochs) to clone.';
  const exportWhy = model
    ? `It is an ONNX file already: ${model.file}`
    : `There is no model to export, only the masks it predicted elsewhere (${masks!.source}).`;
  return (
    <div className="page wide" data-testid="run-view" data-external="true" data-imported={kind}>
      <PageHeader
        title={run.name}
        subtitle={subtitle}
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
            <button type="button" className="button" disabled title={exportWhy} data-testid="run-export-open">
              Export ONNX…
            </button>
          </>
        }
      />
      <div className="row run-status-row">
        <StatusBadge status={run.status} reason={run.reason} />
        <span className="badge external-badge" data-testid="run-external-badge">
          {importedBadge[kind]}
        </span>
        <span className="muted small" data-testid="run-external-note">
          {model
            ? 'Trained outside SegBench, so it has no epochs or curves: there is nothing to resume or stop, no recipe to clone, no export (it is ONNX already). It can teach a distillation run (New run › Learn from a teacher run).'
            : 'Predicted outside SegBench, with no model here: no epochs or curves, nothing to resume, stop, clone or export, and it cannot predict other images, make pseudo-labels, score a label check or teach a distillation run.'}{' '}
          Evaluate {model ? 'it' : 'the masks'} below, side by side with trained runs in Compare, or image by image in Inspect.
        </span>
      </div>
      <ErrorNote message={error} />
      {model ? <ExternalModelPanel model={model} classNames={run.classNames} window={run.config.inputSize} /> : <PredictedMasksPanel masks={masks!} />}
      <ExternalEvaluation runId={run.id} scored={model ? model.file : masks!.dir} kind={kind} classNames={run.classNames} classColors={run.classColors} />
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
