import { useState } from 'react';
import { trainingClasses, valueToHex } from '../../../src-shared/classes';
import type { DatasetDetail } from '../../../src-shared/datasets';
import type { RunSummary } from '../../../src-shared/runs';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useApiQuery } from '../../hooks/useApiQuery';
import { navigate } from '../../hooks/useRoute';
import { baseName, importMasksRequest } from './import-model-form';
import type { ImportMasksForm as Form } from './import-model-form';
import { ExternalFindings } from './ExternalModelPanel';

/** The mask values of a dataset's classes, as the predicted masks must hold them: "Building #3c1098" or "Building 0". */
function encodingText(dataset: DatasetDetail): string {
  const rgb = dataset.maskKind === 'rgb';
  const { positions } = trainingClasses(dataset.classes);
  const classes = positions.map((p) => dataset.classes[p]!);
  const values = classes.map((c) => `${c.name} ${c.values.map((v) => (rgb ? valueToHex(v) : String(v))).join('/')}`);
  return `${rgb ? 'RGB palette colours' : 'index values'}: ${values.join(', ')}`;
}

/**
 * Runs › Import model › A folder of predicted masks: predictions made elsewhere, one mask per image
 * in the dataset's own encoding, in as a run (`runs:importMasks`, answered at once: nothing runs).
 * What the import found (how many images it covers, files that name no image) stays on screen with
 * the way to the new run; a refusal shows main's words and keeps the dialog open.
 */
export function ImportMasksForm({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const datasets = useApiQuery('datasets:list', {}, ['dataset:changed']);
  const choices = (datasets.data ?? []).filter((d) => d.state === 'ready');
  const [form, setForm] = useState<Form>({ masksDir: '', datasetId: '', name: '' });
  const [imported, setImported] = useState<RunSummary | null>(null);
  const { error, busy, run: attempt } = useAction();
  const datasetId = form.datasetId || choices[0]?.id || '';
  const detail = useApiQuery('datasets:get', { datasetId }, ['dataset:changed']);
  const dataset = detail.data?.id === datasetId ? detail.data : undefined;
  const built = importMasksRequest({ ...form, datasetId });
  const set =
    <K extends keyof Form>(key: K) =>
    (value: Form[K]) =>
      setForm((f) => ({ ...f, [key]: value }));

  const start = (): void => {
    if (!('request' in built)) return;
    const { request } = built;
    void attempt(async () => {
      setImported(null);
      setImported(await api.invoke('runs:importMasks', request));
    });
  };

  return (
    <>
      <p className="muted small">
        Masks a model predicted elsewhere become a run of a dataset, to score and compare like SegBench&apos;s own: each file pairs with the dataset image of
        its name (<span className="mono">tile1.png</span> or <span className="mono">tile1_mask.png</span> for <span className="mono">tile1.jpg</span>, as{' '}
        <span className="mono">segbench predict</span> writes them) and is copied into the run&apos;s folder. Nothing runs, so there is no model to predict
        other images with.
      </p>
      <label className="field">
        <span>Folder of predicted masks (full path on the machine SegBench runs on)</span>
        <input value={form.masksDir} onChange={(e) => set('masksDir')(e.target.value)} placeholder="/home/me/predictions/val" data-testid="import-masks-path" />
      </label>
      <div className="import-grid">
        <label className="field">
          <span>Dataset</span>
          <select value={datasetId} onChange={(e) => set('datasetId')(e.target.value)} data-testid="import-masks-dataset">
            {choices.length === 0 ? <option value="">(no ready dataset)</option> : null}
            {choices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Run name (optional)</span>
          <input
            value={form.name}
            onChange={(e) => set('name')(e.target.value)}
            placeholder={dataset ? `${baseName(form.masksDir) || 'folder'} (masks) on ${dataset.name}` : ''}
            data-testid="import-masks-name"
          />
        </label>
      </div>
      {dataset ? (
        <p className="muted small" data-testid="import-masks-encoding">
          In {dataset.name}&apos;s own mask encoding, {encodingText(dataset)}. A pixel of any other value counts as missed.
        </p>
      ) : null}
      {'problem' in built && form.masksDir.trim() ? (
        <p className="warning-text small" data-testid="import-masks-problem">
          {built.problem}
        </p>
      ) : null}
      <ErrorNote message={error} testId="import-masks-error" />
      {imported?.predictedMasks ? (
        <section className="import-result" data-testid="import-masks-result">
          <p>
            Imported as run <strong>{imported.name}</strong>. What SegBench found:
          </p>
          <ExternalFindings findings={imported.predictedMasks.findings} />
        </section>
      ) : null}
      <div className="row end">
        <button type="button" className="button" onClick={onClose} data-testid="import-masks-close">
          {imported ? 'Close' : 'Cancel'}
        </button>
        {imported ? (
          <button type="button" className="button primary" onClick={() => navigate('runs', imported.id)} data-testid="import-masks-open-run">
            Open the run
          </button>
        ) : null}
        <button
          type="button"
          className={`button ${imported ? '' : 'primary'}`}
          disabled={busy || !('request' in built)}
          onClick={start}
          data-testid="import-masks-start"
        >
          {busy ? 'Importing…' : imported ? 'Import another' : 'Import'}
        </button>
      </div>
    </>
  );
}
