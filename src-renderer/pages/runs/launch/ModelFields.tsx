import { configBounds } from '../../../../src-shared/config-reference';
import { modelNames } from '../../../../src-shared/run-config';
import { inputSizeLabel, inputSizeLimits, rangeLabel } from '../launch-form-fields';
import type { LaunchFormValues as Form } from '../launch-form-fields';
import { Field, typedNumber } from './Field';
import type { SectionProps } from './Field';
import { withModel } from './presets';

/** What to train on and what: dataset, name, model and its size, input size, batch and the epochs' length. */
export function ModelFields({
  form,
  set,
  issues,
  datasets,
  datasetId,
}: SectionProps<Form> & { datasets: readonly { id: string; name: string }[]; datasetId: string }) {
  const number = (path: string, label: string, value: number | undefined, patch: (v: number) => Partial<Form>, testId: string) => (
    <Field label={label} path={path} issues={issues}>
      <input type="number" {...configBounds(path)} value={value ?? ''} onChange={(e) => set(patch(typedNumber(e.target.value)))} data-testid={testId} />
    </Field>
  );
  const encoder = form.modelOptions?.encoder;
  return (
    <>
      <Field label="Dataset" path="datasetId" issues={issues}>
        <select value={datasetId} onChange={(e) => set({ datasetId: e.target.value })} data-testid="form-dataset">
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Name (optional)" path="name" issues={issues}>
        <input value={form.name ?? ''} onChange={(e) => set({ name: e.target.value || undefined })} data-testid="form-name" />
      </Field>
      <Field label="Model" path="model" issues={issues}>
        <select value={form.model} onChange={(e) => set(withModel(form, e.target.value as NonNullable<Form['model']>))} data-testid="form-model">
          {modelNames.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </Field>
      {encoder
        ? null
        : number(
            'modelOptions.depth',
            rangeLabel('U-Net depth', 'modelOptions.depth'),
            form.modelOptions?.depth,
            (depth) => ({ modelOptions: { ...form.modelOptions, depth } }),
            'form-depth',
          )}
      {encoder && form.model === 'unet'
        ? null
        : number(
            'modelOptions.width',
            rangeLabel('Width', 'modelOptions.width'),
            form.modelOptions?.width,
            (width) => ({ modelOptions: { ...form.modelOptions, width } }),
            'form-width',
          )}
      <Field label={inputSizeLabel(form)} path="inputSize" issues={issues}>
        <input
          type="number"
          {...inputSizeLimits(form)}
          value={form.inputSize ?? ''}
          onChange={(e) => set({ inputSize: typedNumber(e.target.value) })}
          data-testid="form-size"
        />
      </Field>
      {number('batchSize', rangeLabel('Batch', 'batchSize'), form.batchSize, (batchSize) => ({ batchSize }), 'form-batch')}
      {number('epochs', rangeLabel('Epochs', 'epochs'), form.epochs, (epochs) => ({ epochs }), 'form-epochs')}
      <Field label="Steps per epoch (empty: one pass)" path="stepsPerEpoch" issues={issues}>
        <input
          type="number"
          {...configBounds('stepsPerEpoch')}
          value={form.stepsPerEpoch ?? ''}
          onChange={(e) => set({ stepsPerEpoch: e.target.value === '' ? undefined : typedNumber(e.target.value) })}
          data-testid="form-steps"
        />
      </Field>
    </>
  );
}
