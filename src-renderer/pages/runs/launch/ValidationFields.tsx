import { configBounds } from '../../../../src-shared/config-reference';
import { groupDefaults, runConfigDefaults as defaults } from '../../../../src-shared/run-config';
import { backendChoices } from '../../../../src-shared/settings';
import { rangeLabel } from '../launch-form-fields';
import type { LaunchFormValues as Form } from '../launch-form-fields';
import { Field, typedNumber } from './Field';
import type { SectionProps } from './Field';

/** When and how validation runs (every N epochs, a subset between full passes, windows per pass), and the backend. */
export function ValidationFields({ form, set, issues }: SectionProps<Form>) {
  const batch = form.batchSize !== undefined && Number.isInteger(form.batchSize) ? form.batchSize : defaults.batchSize;
  return (
    <>
      <Field label="Validate every (epochs)" path="validateEvery" issues={issues}>
        <input
          type="number"
          {...configBounds('validateEvery')}
          value={form.validateEvery ?? defaults.validateEvery}
          onChange={(e) => set({ validateEvery: typedNumber(e.target.value) })}
          data-testid="form-validate-every"
        />
      </Field>
      <Field label="Subset between full validations (images)" path="validationSubset.max" issues={issues}>
        <input
          type="number"
          {...configBounds('validationSubset.max')}
          value={form.validationSubset?.max ?? ''}
          onChange={(e) => set({ validationSubset: e.target.value === '' ? null : { ...groupDefaults.validationSubset, max: typedNumber(e.target.value) } })}
          data-testid="form-validation-subset"
        />
      </Field>
      <Field label={rangeLabel('Windows per inference pass', 'inferenceBatch')} path="inferenceBatch" issues={issues}>
        <input
          type="number"
          {...configBounds('inferenceBatch')}
          value={form.inferenceBatch ?? ''}
          placeholder={`the batch (${batch})`}
          onChange={(e) => set({ inferenceBatch: e.target.value === '' ? undefined : typedNumber(e.target.value) })}
          data-testid="form-inference-batch"
        />
      </Field>
      <Field label="Backend" path="backend" issues={issues}>
        <select
          value={form.backend ?? defaults.backend}
          onChange={(e) => set({ backend: e.target.value as typeof defaults.backend })}
          data-testid="form-backend"
        >
          {backendChoices.map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
      </Field>
    </>
  );
}
