import { useState } from 'react';
import { configGroups, configRows } from '../../../src-shared/config-view';
import type { RunDetail } from '../../../src-shared/runs';

/** The run's whole config, grouped as the launch form groups it, each value that differs from the default marked. */
export function RunConfigCard({ run, runNames }: { run: RunDetail; runNames: ReadonlyMap<string, string> }) {
  const [changedOnly, setChangedOnly] = useState(false);
  const rows = configRows(run.config, runNames);
  const changed = rows.filter((r) => !r.isDefault).length;
  return (
    <section className="card" data-testid="run-config">
      <div className="row spread">
        <h2>Config</h2>
        <label className="check small">
          <input type="checkbox" checked={changedOnly} onChange={(e) => setChangedOnly(e.target.checked)} data-testid="run-config-changed-only" /> Only the{' '}
          {changed} {changed === 1 ? 'setting' : 'settings'} changed from the defaults
        </label>
      </div>
      <div className="config-groups">
        {configGroups.map((group) => {
          const shown = rows.filter((r) => r.group === group && (!changedOnly || !r.isDefault));
          if (shown.length === 0) return null;
          return (
            <table key={group} className="table compact config-group">
              <caption>{group}</caption>
              <tbody>
                {shown.map((row) => (
                  <tr
                    key={row.key}
                    className={row.isDefault ? '' : 'changed'}
                    data-testid="run-config-row"
                    data-key={row.key}
                    data-default={row.isDefault ? 'true' : 'false'}
                  >
                    <th title={row.key}>{row.label}</th>
                    <td>
                      {row.value}
                      {row.isDefault ? null : <span className="badge small changed-badge">changed</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        })}
      </div>
    </section>
  );
}
