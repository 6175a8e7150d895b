import { useCallback, useEffect, useState } from 'react';
import type { EstimateResult } from '../../../src-shared/training';
import { ErrorNote } from '../../components/ErrorNote';
import { PageHeader } from '../../components/PageHeader';
import { useApi } from '../../hooks/ApiContext';
import { useAction, errorText } from '../../hooks/useAction';
import { useApiQuery } from '../../hooks/useApiQuery';
import { hrefFor, navigate } from '../../hooks/useRoute';
import { ChannelsSection } from './ChannelsSection';
import { EncoderSection } from './EncoderSection';
import { RecipesSection } from './RecipesSection';
import { fieldIssues } from './launch-form-fields';
import type { LaunchFormValues as Form } from './launch-form-fields';
import { AugmentSection } from './launch/AugmentSection';
import { ModelFields } from './launch/ModelFields';
import { TrainingFields } from './launch/TrainingFields';
import { ValidationFields } from './launch/ValidationFields';
import { estimateText } from './launch/estimate-text';
import { presets } from './launch/presets';

/**
 * Runs › New run: a preset, then the fields (each with its schema range and issue), the encoder,
 * channels and recipes; Launch queues the run and Estimate asks the engine for memory and time.
 * A clone starts from another run's config.
 */
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
  const sections = { form, set, issues };
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
        <ModelFields {...sections} datasets={ready} datasetId={datasetId} />
        <TrainingFields {...sections} weightSets={weightSets.data ?? []} />
        <ValidationFields {...sections} />
      </div>
      <AugmentSection form={form} set={set} />
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
          {estimateText(estimate, form)}
        </p>
      ) : null}
    </div>
  );
}
