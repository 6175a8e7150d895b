import { classWeightModes } from '../../../../src-shared/class-weights';
import { configBounds } from '../../../../src-shared/config-reference';
import { lossNames, optimizerNames, runConfigDefaults as defaults, scheduleNames } from '../../../../src-shared/run-config';
import { rangeLabel } from '../launch-form-fields';
import type { LaunchFormValues as Form } from '../launch-form-fields';
import { Field, typedNumber } from './Field';
import type { SectionProps } from './Field';

/** How to train: loss and class weights, optimizer and learning rate, schedule, and the sampler (uniform or a run's hard-sample weights). */
export function TrainingFields({
  form,
  set,
  issues,
  weightSets,
}: SectionProps<Form> & { weightSets: readonly { runId: string; name: string; images: number }[] }) {
  const choice = <T extends string>(label: string, path: string, value: T, options: readonly T[], patch: (v: T) => Partial<Form>, testId: string) => (
    <Field label={label} path={path} issues={issues}>
      <select value={value} onChange={(e) => set(patch(e.target.value as T))} data-testid={testId}>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </Field>
  );
  return (
    <>
      {choice('Loss', 'loss.name', form.loss?.name ?? defaults.loss.name, lossNames, (name) => ({ loss: { ...form.loss, name } }), 'form-loss')}
      {choice(
        'Class weights',
        'loss.classWeights',
        form.loss?.classWeights ?? defaults.loss.classWeights,
        classWeightModes,
        (classWeights) => ({ loss: { ...form.loss, classWeights } }),
        'form-class-weights',
      )}
      {choice(
        'Optimizer',
        'optimizer.name',
        form.optimizer?.name ?? defaults.optimizer.name,
        optimizerNames,
        (name) => ({ optimizer: { ...form.optimizer, name } }),
        'form-optimizer',
      )}
      <Field label={rangeLabel('Learning rate', 'optimizer.lr')} path="optimizer.lr" issues={issues}>
        <input
          type="number"
          step="any"
          {...configBounds('optimizer.lr')}
          value={form.optimizer?.lr ?? defaults.optimizer.lr}
          onChange={(e) => set({ optimizer: { ...form.optimizer, lr: typedNumber(e.target.value) } })}
          data-testid="form-lr"
        />
      </Field>
      {choice(
        'Schedule',
        'schedule.name',
        form.schedule?.name ?? defaults.schedule.name,
        scheduleNames,
        (name) => ({ schedule: { ...form.schedule, name } }),
        'form-schedule',
      )}
      <Field label="Sampler" path="sampler" issues={issues}>
        <select
          value={form.sampler?.weightsFromRun ?? ''}
          onChange={(e) => set({ sampler: e.target.value ? { kind: 'weighted', weightsFromRun: e.target.value } : { kind: 'uniform' } })}
          data-testid="form-sampler"
        >
          <option value="" title="Every training image once per epoch">
            Uniform (each image once)
          </option>
          {weightSets.map((w) => (
            <option key={w.runId} value={w.runId} title={`Hard-sample weights saved from run ${w.name} (${w.images} images)`}>
              Hard samples: {w.name}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}
