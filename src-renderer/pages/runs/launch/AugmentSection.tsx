import { configBounds } from '../../../../src-shared/config-reference';
import { runConfigDefaults as defaults } from '../../../../src-shared/run-config';
import type { LaunchFormValues as Form } from '../launch-form-fields';

/** The widest random scale the schema allows, which the form's one checkbox turns on. */
const scaleRange = { min: configBounds('augment.scaleMin').min, max: configBounds('augment.scaleMax').max };

/** Augmentation: flips, rotations by 90° and a random scale, each one checkbox. */
export function AugmentSection({ form, set }: { form: Form; set: (patch: Partial<Form>) => void }) {
  const scaled = (form.augment?.scaleMax ?? defaults.augment.scaleMax) > 1;
  return (
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
          checked={scaled}
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
  );
}
