import { useState } from 'react';
import { trainingClasses } from '../../../src-shared/classes';
import { jobsAhead, queuedText } from '../../../src-shared/jobs';
import type { RunSummary } from '../../../src-shared/runs';
import { count } from '../../../src-shared/words';
import { ErrorNote } from '../../components/ErrorNote';
import { JobProgress } from '../../components/JobProgress';
import { ProgressBar } from '../../components/ProgressBar';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useJobs } from '../../hooks/useJobs';
import { navigate } from '../../hooks/useRoute';
import { baseName, importJobOf, importModelRequest } from './import-model-form';
import type { ImportModelForm, NormalizeMode } from './import-model-form';
import { ExternalFindings } from './ExternalModelPanel';
import { ImportMasksForm } from './ImportMasksForm';

const normalizeLabels: Record<NormalizeMode, string> = {
  auto: "Auto (the file's SegBench metadata, else ImageNet)",
  imagenet: 'ImageNet mean and std (torchvision)',
  none: 'None (pixels ÷ 255, as ToTensor)',
  custom: 'Custom mean and std…',
};

type ImportKind = 'model' | 'masks';
const kindLabels: Record<ImportKind, string> = { model: 'An ONNX model', masks: 'A folder of predicted masks' };

/**
 * Runs › Import model: something made outside SegBench in as a run of a dataset, chosen at the
 * top: a model trained elsewhere (ONNX), or a folder of masks predicted elsewhere. Both forms stay
 * mounted while the dialog is open, so switching never loses an import under way or its result.
 */
export function ImportModelDialog({ onClose }: { onClose: () => void }) {
  const [kind, setKind] = useState<ImportKind>('model');
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label="Import a model or predicted masks">
      <div className="modal wide" data-testid="import-model-dialog" data-kind={kind}>
        <h2>Import a model or its predictions</h2>
        <div className="segmented import-kind" role="radiogroup" aria-label="What to import">
          {(Object.keys(kindLabels) as ImportKind[]).map((k) => (
            <button
              key={k}
              type="button"
              role="radio"
              aria-checked={kind === k}
              className={kind === k ? 'active' : ''}
              onClick={() => setKind(k)}
              data-testid={`import-kind-${k}`}
            >
              {kindLabels[k]}
            </button>
          ))}
        </div>
        <div hidden={kind !== 'model'}>
          <OnnxImport onClose={onClose} />
        </div>
        <div hidden={kind !== 'masks'}>
          <ImportMasksForm onClose={onClose} />
        </div>
      </div>
    </div>
  );
}

/**
 * A model trained elsewhere (PyTorch, exported to ONNX) in as a run of a dataset. The request
 * answers once the engine's import-model job has run the file and copied it; meanwhile the job's
 * bar shows here. What the importer found stays on screen, with the way to the new run; a refusal
 * shows main's words and keeps the dialog open to fix the request.
 */
function OnnxImport({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const { jobs } = useJobs();
  const datasets = useApiQuery('datasets:list', {}, ['dataset:changed']);
  const choices = (datasets.data ?? []).filter((d) => d.state === 'ready');
  const [form, setForm] = useState<ImportModelForm>({
    onnxPath: '',
    datasetId: '',
    normalize: 'auto',
    mean: '0.5',
    std: '0.5',
    window: '',
    name: '',
    classOrder: '',
  });
  const [imported, setImported] = useState<RunSummary | null>(null);
  const { error, busy, run: attempt } = useAction();
  const datasetId = form.datasetId || choices[0]?.id || '';
  const detail = useApiQuery('datasets:get', { datasetId }, ['dataset:changed']);
  const dataset = detail.data?.id === datasetId ? detail.data : undefined;
  const classNames = dataset ? trainingClasses(dataset.classes).classNames : [];
  const built = importModelRequest({ ...form, datasetId });
  const job = busy ? importJobOf(jobs, form.onnxPath) : undefined;
  const set =
    <K extends keyof ImportModelForm>(key: K) =>
    (value: ImportModelForm[K]) =>
      setForm((f) => ({ ...f, [key]: value }));

  const start = (): void => {
    if (!('request' in built)) return;
    const { request } = built;
    void attempt(async () => {
      setImported(null);
      setImported(await api.invoke('runs:importModel', request));
    });
  };

  return (
    <>
      <p className="muted small">
        A segmentation model trained elsewhere (PyTorch: <span className="mono">torch.onnx.export</span>) becomes a run of a dataset: SegBench runs it once to
        find its input layout, classes, stride and whether it gives logits or probabilities, then evaluates, compares, inspects and predicts with it like its
        own runs.
      </p>
      <label className="field">
        <span>ONNX file (full path on the machine SegBench runs on)</span>
        <input
          value={form.onnxPath}
          onChange={(e) => set('onnxPath')(e.target.value)}
          placeholder="/home/me/models/unet.onnx"
          data-testid="import-model-path"
        />
      </label>
      <div className="import-grid">
        <label className="field">
          <span>Dataset</span>
          <select value={datasetId} onChange={(e) => set('datasetId')(e.target.value)} data-testid="import-model-dataset">
            {choices.length === 0 ? <option value="">(no ready dataset)</option> : null}
            {choices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Input normalisation</span>
          <select value={form.normalize} onChange={(e) => set('normalize')(e.target.value as NormalizeMode)} data-testid="import-model-normalize">
            {Object.entries(normalizeLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {dataset ? (
        <p className="muted small" data-testid="import-model-dataset-classes">
          {dataset.bands
            ? 'This dataset is multispectral; imported models take RGB images for now.'
            : `The model must give ${classNames.length} output channels, one per class of ${dataset.name}: ${classNames.join(', ')}. The import runs it on a few of its ${count(dataset.splitCounts.val, 'validation image')}.`}
        </p>
      ) : null}
      {form.normalize === 'custom' ? (
        <div className="form-grid" data-testid="import-model-custom">
          <label className="field">
            <span>Mean on 0..1 pixels (one, or one per channel)</span>
            <input value={form.mean} onChange={(e) => set('mean')(e.target.value)} placeholder="0.485, 0.456, 0.406" data-testid="import-model-mean" />
          </label>
          <label className="field">
            <span>Std on 0..1 pixels</span>
            <input value={form.std} onChange={(e) => set('std')(e.target.value)} placeholder="0.229, 0.224, 0.225" data-testid="import-model-std" />
          </label>
        </div>
      ) : null}
      <div className="import-grid">
        <label className="field">
          <span>Window in pixels (optional)</span>
          <input
            value={form.window}
            inputMode="numeric"
            onChange={(e) => set('window')(e.target.value)}
            placeholder="empty: its fixed size, else 512 rounded to its stride"
            data-testid="import-model-window"
          />
        </label>
        <label className="field">
          <span>Run name (optional)</span>
          <input
            value={form.name}
            onChange={(e) => set('name')(e.target.value)}
            placeholder={dataset ? `${baseName(form.onnxPath) || 'model.onnx'} on ${dataset.name}` : ''}
            data-testid="import-model-name"
          />
        </label>
      </div>
      <label className="field">
        <span>The model&apos;s class order (optional: one name a line, when its output channels are not in the dataset&apos;s order)</span>
        <textarea
          rows={3}
          value={form.classOrder}
          onChange={(e) => set('classOrder')(e.target.value)}
          placeholder={classNames.length > 0 ? `Empty: channel i is the dataset's class i, which are:\n${classNames.join('\n')}` : ''}
          data-testid="import-model-classes"
        />
      </label>
      {'problem' in built && form.onnxPath.trim() ? (
        <p className="warning-text small" data-testid="import-model-problem">
          {built.problem}
        </p>
      ) : null}
      {busy ? (
        <div data-testid="import-model-busy">
          <p className="small">Checking the model: SegBench runs it on the dataset&apos;s validation images, then copies it into the run&apos;s folder.</p>
          {job ? (
            <JobProgress job={job} jobs={jobs} testId="import-model-progress" showMessage />
          ) : (
            <ProgressBar progress={null} testId="import-model-progress" showMessage />
          )}
        </div>
      ) : null}
      <ErrorNote message={error} testId="import-model-error" />
      {imported?.external ? (
        <section className="import-result" data-testid="import-model-result">
          <p>
            Imported as run <strong>{imported.name}</strong>. What SegBench found:
          </p>
          <ExternalFindings findings={imported.external.findings} />
        </section>
      ) : null}
      <div className="row end">
        <button type="button" className="button" onClick={onClose} data-testid="import-model-close">
          {imported ? 'Close' : 'Cancel'}
        </button>
        {imported ? (
          <button type="button" className="button primary" onClick={() => navigate('runs', imported.id)} data-testid="import-model-open-run">
            Open the run
          </button>
        ) : null}
        <button
          type="button"
          className={`button ${imported ? '' : 'primary'}`}
          disabled={busy || !('request' in built)}
          onClick={start}
          data-testid="import-model-start"
        >
          {job?.status === 'queued' ? queuedText(jobsAhead(job, jobs), 'capital') : busy ? 'Importing…' : imported ? 'Import another' : 'Import'}
        </button>
      </div>
    </>
  );
}
