import { configDifferences } from '../../../src-shared/config-view';
import type { RunDetail } from '../../../src-shared/runs';
import { importedKind } from '../runs/imported-run';
import { importedConfigNote } from './compare-data';

/** What differs in the trained runs' configs (and in their corrected masks at launch); imported runs are named and left out. */
export function ConfigDiffSection({ details, runNames }: { details: readonly RunDetail[]; runNames: ReadonlyMap<string, string> }) {
  // An imported run's config is a placeholder (it was made elsewhere): only trained runs' recipes are compared.
  const trained = details.filter((d) => importedKind(d) === null);
  const imported = details.filter((d) => importedKind(d) !== null);
  const diff = configDifferences(
    trained.map((d) => d.config),
    runNames,
  );
  // Label fixes are not in the config, but they are what changed between a run before and after them.
  const corrected = trained.map((d) => (d.correctedMasks === null ? 'not recorded' : `${d.correctedMasks} corrected`));
  if (new Set(corrected).size > 1) diff.unshift({ key: 'data.correctedMasks', label: 'Masks (label revisions at launch)', values: corrected });
  return (
    <section className="card">
      <h2>What differs in the configs</h2>
      {imported.length > 0 ? (
        <p className="muted small" data-testid="config-diff-imported">
          {importedConfigNote(imported)}
        </p>
      ) : null}
      {trained.length < 2 ? null : diff.length === 0 ? (
        <p className="muted">The configs are identical (apart from name and dataset).</p>
      ) : (
        <table className="table compact" data-testid="config-diff">
          <thead>
            <tr>
              <th>Setting</th>
              {trained.map((d) => (
                <th key={d.id}>{d.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {diff.map((row) => (
              <tr key={row.key} data-key={row.key}>
                <th title={row.key}>{row.label}</th>
                {row.values.map((v, i) => (
                  <td key={i}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
