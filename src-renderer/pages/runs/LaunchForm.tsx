import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { classWeightModes } from '../../../src-shared/class-weights';
import { configBounds } from '../../../src-shared/config-reference';
import {
  groupDefaults,
  lossNames,
  modelNames,
  optimizerNames,
  runConfigDefaults as defaults,
  runConfigSchema,
  scheduleNames,
} from '../../../src-shared/run-config';
import { formatDuration } from '../../../src-shared/jobs';
import { modelsWithEncoders } from '../../../src-shared/encoders';
import { backendChoices } from '../../../src-shared/settings';
import type { EstimateResult } from '../../../src-shared/training';
import { validationImagesPerEpoch } from '../../../src-shared/validation-plan';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { useApi } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { hrefFor, navigate } from '../../hooks/useRoute';
import { RecipesSection } from './RecipesSection';
import { ChannelsSection } from './ChannelsSection';
import { EncoderSection } from './EncoderSection';
import { useAction, errorText } from '../../hooks/useAction';
import { fieldIssues, inputSizeLabel, inputSizeLimits, rangeLabel } from './launch-form-fields';
import type { LaunchFormValues as Form } from './launch-form-fields';

/** The widest random scale the schema allows, which the form's one checkbox turns on. */
const scaleRange = { min: configBounds('augment.scaleMin').min, max: configBounds('augment.scaleMax').max };

const presets: Record<string, { label: string; config: Partial<Form> }> = {
  quick: {
    label: 'Quick look',
    config: {
      model: 'unet',
      modelOptions: { depth: 3, width: 8 },
      inputSize: 64,
      batchSize: 4,
      epochs: 5,
      loss: { name: 'ce' },
      schedule: { name: 'constant' },
    },
  },
  baseline: {
    label: 'U-Net baseline',
    config: {
      model: 'unet',
      modelOptions: { depth: 4, width: 16 },
      inputSize: 256,
      batchSize: 4,
      epochs: 30,
      loss: { name: 'ce' },
      schedule: { name: 'cosine' },
    },
  },
  imbalanced: {
    label: 'Imbalanced classes',
    config: {
      model: 'unet',
      modelOptions: { depth: 4, width: 16 },
      inputSize: 256,
      batchSize: 4,
      epochs: 30,
      loss: { name: 'ce-dice', classWeights: 'inverse' },
      schedule: { name: 'cosine' },
    },
  },
};

/** A model change; a model without an encoder choice (unet-mobilenetv2) drops the encoder and its weights. */
function withModel(form: Form, model: NonNullable<Form['model']>): Partial<Form> {
  if ((modelsWithEncoders as readonly string[]).includes(model) || !form.modelOptions?.encoder) return { model };
  return {
    model,
    modelOptions: { ...form.modelOptions, encoder: undefined },
    encoderWeights: null,
    encoderFreezeEpochs: undefined,
    encoderLrFactor: undefined,
  };
}

export function LaunchForm({ cloneOf }: { cloneOf: string | undefined }) {
  const api = useApi();
  const datasets = useApiQuery('datasets:list', {}, ['dataset:changed']);
  const weightSets = useApiQuery('samples:weightSets', {});
  const ready = (datasets.data ?? []).filter((d) => d.state === 'ready');
  const [form, setForm] = useState<Form>({ datasetId: '', ...presets.quick!.config });
  const { error, run: attempt, setError } = useAction();
  const [estimate, setEstimate] = useState<EstimateResult | 'running' | null>(null);
  const datasetId = form.datasetId || ready[0]?.id || '';
  // Validating a small config on each render is cheap; the form shows every issue as it is typed.
  const issues = fieldIssues({ ...form, datasetId });

  useEffect(() => {
    if (!cloneOf) return;
    api
      .invoke('runs:get', { runId: cloneOf })
      .then((run) => setForm({ ...run.config, name: undefined }))
      .catch((failure: unknown) => setError(errorText(failure)));
  }, [api, cloneOf, setError]);

  const set = useCallback((patch: Partial<Form>): void => setForm((f) => ({ ...f, ...patch })), []);
  const num = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));
  const runEstimate = async (): Promise<void> => {
    await attempt(
      async () => {
        setEstimate('running');
        setEstimate(await api.invoke('runs:estimate', { ...form, datasetId }));
      },
      () => setEstimate(null),
    );
  };
  const launch = async (): Promise<void> => {
    await attempt(async () => {
      const run = await api.invoke('runs:start', { ...form, datasetId });
      navigate('runs', run.id);
    });
  };
  const field = (label: string, path: string, control: ReactNode) => (
    <label className="field">
      <span>{label}</span>
      {control}
      {issues.get(path) ? (
        <em className="field-error" data-testid={`error-${path}`}>
          {issues.get(path)}
        </em>
      ) : null}
    </label>
  );

  if (datasets.data && ready.length === 0) {
    return (
      <div className="page" data-testid="launch-form">
        <PageHeader title="New run" />
        <p className="notice card" data-testid="launch-no-dataset">
          No dataset is ready to train on. Import one on the <a href={hrefFor('datasets')}>Datasets</a> page, or make the sample with{' '}
          <code>segbench sample</code>.
        </p>
      </div>
    );
  }
  return (
    <div className="page" data-testid="launch-form">
      <PageHeader title={cloneOf ? 'New run (cloned)' : 'New run'} subtitle="Runs wait in a queue and train one at a time." />
      <div className="row">
        {Object.entries(presets).map(([id, preset]) => (
          <button key={id} type="button" className="button" onClick={() => set(preset.config)} data-testid={`preset-${id}`}>
            {preset.label}
          </button>
        ))}
      </div>
      <div className="form-grid">
        {field(
          'Dataset',
          'datasetId',
          <select value={datasetId} onChange={(e) => set({ datasetId: e.target.value })} data-testid="form-dataset">
            {ready.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>,
        )}
        {field(
          'Name (optional)',
          'name',
          <input value={form.name ?? ''} onChange={(e) => set({ name: e.target.value || undefined })} data-testid="form-name" />,
        )}
        {field(
          'Model',
          'model',
          <select value={form.model} onChange={(e) => set(withModel(form, e.target.value as NonNullable<Form['model']>))} data-testid="form-model">
            {modelNames.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>,
        )}
        {form.modelOptions?.encoder
          ? null
          : field(
              rangeLabel('U-Net depth', 'modelOptions.depth'),
              'modelOptions.depth',
              <input
                type="number"
                {...configBounds('modelOptions.depth')}
                value={form.modelOptions?.depth ?? ''}
                onChange={(e) => set({ modelOptions: { ...form.modelOptions, depth: num(e.target.value) } })}
                data-testid="form-depth"
              />,
            )}
        {form.modelOptions?.encoder && form.model === 'unet'
          ? null
          : field(
              rangeLabel('Width', 'modelOptions.width'),
              'modelOptions.width',
              <input
                type="number"
                {...configBounds('modelOptions.width')}
                value={form.modelOptions?.width ?? ''}
                onChange={(e) => set({ modelOptions: { ...form.modelOptions, width: num(e.target.value) } })}
                data-testid="form-width"
              />,
            )}
        {field(
          inputSizeLabel(form),
          'inputSize',
          <input
            type="number"
            {...inputSizeLimits(form)}
            value={form.inputSize ?? ''}
            onChange={(e) => set({ inputSize: num(e.target.value) })}
            data-testid="form-size"
          />,
        )}
        {field(
          rangeLabel('Batch', 'batchSize'),
          'batchSize',
          <input
            type="number"
            {...configBounds('batchSize')}
            value={form.batchSize ?? ''}
            onChange={(e) => set({ batchSize: num(e.target.value) })}
            data-testid="form-batch"
          />,
        )}
        {field(
          rangeLabel('Epochs', 'epochs'),
          'epochs',
          <input
            type="number"
            {...configBounds('epochs')}
            value={form.epochs ?? ''}
            onChange={(e) => set({ epochs: num(e.target.value) })}
            data-testid="form-epochs"
          />,
        )}
        {field(
          'Steps per epoch (empty: one pass)',
          'stepsPerEpoch',
          <input
            type="number"
            {...configBounds('stepsPerEpoch')}
            value={form.stepsPerEpoch ?? ''}
            onChange={(e) => set({ stepsPerEpoch: e.target.value === '' ? undefined : num(e.target.value) })}
            data-testid="form-steps"
          />,
        )}
        {field(
          'Loss',
          'loss.name',
          <select
            value={form.loss?.name ?? defaults.loss.name}
            onChange={(e) => set({ loss: { ...form.loss, name: e.target.value as typeof defaults.loss.name } })}
            data-testid="form-loss"
          >
            {lossNames.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>,
        )}
        {field(
          'Class weights',
          'loss.classWeights',
          <select
            value={form.loss?.classWeights ?? defaults.loss.classWeights}
            onChange={(e) => set({ loss: { ...form.loss, classWeights: e.target.value as typeof defaults.loss.classWeights } })}
            data-testid="form-class-weights"
          >
            {classWeightModes.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>,
        )}
        {field(
          'Optimizer',
          'optimizer.name',
          <select
            value={form.optimizer?.name ?? defaults.optimizer.name}
            onChange={(e) => set({ optimizer: { ...form.optimizer, name: e.target.value as typeof defaults.optimizer.name } })}
            data-testid="form-optimizer"
          >
            {optimizerNames.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>,
        )}
        {field(
          rangeLabel('Learning rate', 'optimizer.lr'),
          'optimizer.lr',
          <input
            type="number"
            step="any"
            {...configBounds('optimizer.lr')}
            value={form.optimizer?.lr ?? defaults.optimizer.lr}
            onChange={(e) => set({ optimizer: { ...form.optimizer, lr: num(e.target.value) } })}
            data-testid="form-lr"
          />,
        )}
        {field(
          'Schedule',
          'schedule.name',
          <select
            value={form.schedule?.name ?? defaults.schedule.name}
            onChange={(e) => set({ schedule: { ...form.schedule, name: e.target.value as typeof defaults.schedule.name } })}
            data-testid="form-schedule"
          >
            {scheduleNames.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>,
        )}
        {field(
          'Sampler',
          'sampler',
          <select
            value={form.sampler?.weightsFromRun ?? ''}
            onChange={(e) => set({ sampler: e.target.value ? { kind: 'weighted', weightsFromRun: e.target.value } : { kind: 'uniform' } })}
            data-testid="form-sampler"
          >
            <option value="" title="Every training image once per epoch">
              Uniform (each image once)
            </option>
            {(weightSets.data ?? []).map((w) => (
              <option key={w.runId} value={w.runId} title={`Hard-sample weights saved from run ${w.name} (${w.images} images)`}>
                Hard samples: {w.name}
              </option>
            ))}
          </select>,
        )}
        {field(
          'Validate every (epochs)',
          'validateEvery',
          <input
            type="number"
            {...configBounds('validateEvery')}
            value={form.validateEvery ?? defaults.validateEvery}
            onChange={(e) => set({ validateEvery: num(e.target.value) })}
            data-testid="form-validate-every"
          />,
        )}
        {field(
          'Subset between full validations (images)',
          'validationSubset.max',
          <input
            type="number"
            {...configBounds('validationSubset.max')}
            value={form.validationSubset?.max ?? ''}
            onChange={(e) => set({ validationSubset: e.target.value === '' ? null : { ...groupDefaults.validationSubset, max: num(e.target.value) } })}
            data-testid="form-validation-subset"
          />,
        )}
        {field(
          rangeLabel('Windows per inference pass', 'inferenceBatch'),
          'inferenceBatch',
          <input
            type="number"
            {...configBounds('inferenceBatch')}
            value={form.inferenceBatch ?? ''}
            placeholder={`the batch (${form.batchSize !== undefined && Number.isInteger(form.batchSize) ? form.batchSize : defaults.batchSize})`}
            onChange={(e) => set({ inferenceBatch: e.target.value === '' ? undefined : num(e.target.value) })}
            data-testid="form-inference-batch"
          />,
        )}
        {field(
          'Backend',
          'backend',
          <select
            value={form.backend ?? defaults.backend}
            onChange={(e) => set({ backend: e.target.value as typeof defaults.backend })}
            data-testid="form-backend"
          >
            {backendChoices.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>,
        )}
      </div>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={form.augment?.flips ?? defaults.augment.flips}
            onChange={(e) => set({ augment: { ...form.augment, flips: e.target.checked } })}
          />{' '}
          Flips
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.augment?.rot90 ?? defaults.augment.rot90}
            onChange={(e) => set({ augment: { ...form.augment, rot90: e.target.checked } })}
          />{' '}
          Rotate by 90°
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={(form.augment?.scaleMax ?? defaults.augment.scaleMax) > 1}
            onChange={(e) =>
              set({
                augment: {
                  ...form.augment,
                  scaleMin: e.target.checked ? scaleRange.min : defaults.augment.scaleMin,
                  scaleMax: e.target.checked ? scaleRange.max : defaults.augment.scaleMax,
                },
              })
            }
          />{' '}
          Random scale {scaleRange.min}-{scaleRange.max}
        </label>
      </div>
      <EncoderSection form={form} onChange={set} issues={issues} />
      {issues.get('modelOptions.encoder') ? (
        <em className="field-error" data-testid="error-modelOptions.encoder">
          {issues.get('modelOptions.encoder')}
        </em>
      ) : null}
      {datasetId ? <ChannelsSection datasetId={datasetId} value={form.inputChannels} onChange={set} /> : null}
      {datasetId ? <RecipesSection form={form} datasetId={datasetId} onChange={set} /> : null}
      <ErrorNote message={error} />
      <div className="row">
        <button type="button" className="button primary" disabled={issues.size > 0 || !datasetId} onClick={() => void launch()} data-testid="form-launch">
          Launch
        </button>
        <button
          type="button"
          className="button"
          disabled={issues.size > 0 || !datasetId || estimate === 'running'}
          onClick={() => void runEstimate()}
          data-testid="form-estimate"
        >
          {estimate === 'running' ? 'Estimating… (waits for the engine)' : 'Estimate memory and time'}
        </button>
        {issues.size > 0 ? <span className="muted small">Fix the fields marked above to launch.</span> : null}
      </div>
      {estimate && estimate !== 'running' ? (
        <p className={estimate.fits ? 'card notice' : 'card notice error-note'} data-testid="form-estimate-result">
          {estimate.fits
            ? estimateText(estimate, form)
            : `About ${estimate.stepMiB} MiB per step: too much for the ${estimate.backend} backend. ${estimate.largestBatch ? `The largest batch that fits is ${estimate.largestBatch}.` : 'Use a smaller input size.'}`}
        </p>
      ) : null}
    </div>
  );
}

/** The estimate in words: a step, an epoch, a full validation pass, and training and validation over the whole run as validateEvery and the subset plan it. */
function estimateText(estimate: EstimateResult, form: Form): string {
  const config = runConfigSchema.safeParse({ ...form, datasetId: form.datasetId || '-' });
  const plan = config.success ? validationImagesPerEpoch(config.data, estimate.validationImages) : [];
  const perImage = estimate.validationImages > 0 ? estimate.validationSeconds / estimate.validationImages : 0;
  const validationTotal = plan.reduce((sum, images) => sum + images * perImage, 0);
  const trainingTotal = estimate.trainSecondsPerEpoch * plan.length;
  return (
    `About ${estimate.stepMiB} MiB per step on ${estimate.backend}; ${estimate.stepSeconds.toFixed(2)} s per step, so about ${formatDuration(estimate.trainSecondsPerEpoch)} per epoch of ${estimate.stepsPerEpoch} steps. ` +
    `A full validation of ${estimate.validationImages} images takes about ${formatDuration(estimate.validationSeconds)}. ` +
    `Over ${plan.length} epochs: about ${formatDuration(trainingTotal)} of training and ${formatDuration(validationTotal)} of validation (${plan.filter((n) => n > 0).length} validations).`
  );
}
