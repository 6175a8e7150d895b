import { useState } from 'react';
import { backendChoices, themeChoices } from '../../src-shared/settings';
import type { BackendChoice, ThemeChoice } from '../../src-shared/settings';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { useApiQuery } from '../hooks/useApiQuery';
import { useSettings } from '../hooks/useSettings';
import { EnginePanel } from './EnginePanel';

const backendLabels: Record<BackendChoice, string> = {
  auto: 'Automatic: CUDA, WebGPU, CPU, wasm',
  'tfjs-node-gpu': 'NVIDIA GPU through CUDA 11.2 (tfjs-node-gpu)',
  webgpu: 'Any GPU through WebGPU (Vulkan, D3D12, Metal)',
  'tfjs-node': 'Native CPU (tfjs-node)',
  wasm: 'WebAssembly (always available, slow)',
};
const themeLabels: Record<ThemeChoice, string> = { system: 'Follow the system', light: 'Light', dark: 'Dark' };

export function SettingsPage() {
  const info = useApiQuery('system:info', {});
  const { settings, update, error } = useSettings();
  const [saved, setSaved] = useState<string | null>(null);
  const save = async (patch: Parameters<typeof update>[0], what: string): Promise<void> => {
    await update(patch);
    setSaved(`${what} saved.`);
  };
  const system = info.data;

  return (
    <div className="page" data-testid="page-settings">
      <PageHeader title="Settings" subtitle="Where SegBench keeps its data and what it trains on." />
      <ErrorNote message={info.error ?? error} />
      <div className="settings-grid">
        <section className="card" data-testid="settings-install">
          <h2>This installation</h2>
          {system ? (
            <dl className="facts">
              <dt>Version</dt>
              <dd>{system.appVersion}</dd>
              <dt>Running as</dt>
              <dd>{system.mode === 'electron' ? 'Desktop app' : system.mode === 'serve' ? 'Serve mode (browser)' : 'Test'}</dd>
              <dt>Data directory</dt>
              <dd className="mono" data-testid="data-dir">
                {system.dataDir}
              </dd>
              <dt>Database</dt>
              <dd className="mono">
                {system.dbPath} (schema {system.schemaVersion})
              </dd>
              <dt>Platform</dt>
              <dd>
                {system.platform}, Node {system.nodeVersion}
              </dd>
            </dl>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </section>

        <section className="card" data-testid="settings-compute">
          <h2>Compute</h2>
          <label className="field">
            <span>Training backend</span>
            <select
              data-testid="backend-select"
              value={settings?.backend ?? 'auto'}
              disabled={!settings}
              onChange={(event) => void save({ backend: event.target.value as BackendChoice }, 'Backend')}
            >
              {backendChoices.map((choice) => (
                <option key={choice} value={choice}>
                  {backendLabels[choice]}
                </option>
              ))}
            </select>
          </label>
          <ul className="packages">
            {(system?.optionalPackages ?? []).map((pkg) => (
              <li key={pkg.name} data-testid={`package-${pkg.name}`}>
                <span className={pkg.installed ? 'badge ok' : 'badge off'}>{pkg.installed ? 'installed' : 'not installed'}</span>
                <span className="mono">{pkg.name}</span>
                <span className="muted"> for {pkg.purpose}</span>
              </li>
            ))}
          </ul>
          <p className="muted small">
            Two GPU routes. WebGPU runs on any GPU whose driver has Vulkan (Linux), D3D12 (Windows) or Metal (macOS), NVIDIA, AMD or Intel, with no CUDA; on
            Linux it needs libvulkan1. CUDA needs an NVIDIA driver (450 or newer), CUDA 11.2 and cuDNN 8.1 and the optional package @tensorflow/tfjs-node-gpu. A
            software WebGPU adapter (SwiftShader, llvmpipe) is never chosen automatically. Without a GPU SegBench trains on the CPU.
          </p>
        </section>

        <section className="card" data-testid="settings-appearance">
          <h2>Appearance</h2>
          <label className="field">
            <span>Theme</span>
            <select
              data-testid="theme-select"
              value={settings?.theme ?? 'system'}
              disabled={!settings}
              onChange={(event) => void save({ theme: event.target.value as ThemeChoice }, 'Theme')}
            >
              {themeChoices.map((choice) => (
                <option key={choice} value={choice}>
                  {themeLabels[choice]}
                </option>
              ))}
            </select>
          </label>
          {saved ? (
            <p className="muted small" data-testid="settings-saved">
              {saved}
            </p>
          ) : null}
        </section>

        <EnginePanel />
      </div>
    </div>
  );
}
