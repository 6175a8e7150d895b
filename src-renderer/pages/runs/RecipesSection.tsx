import { useState } from 'react';
import type { RecipePreview } from '../../../src-shared/recipes';
import { configBounds } from '../../../src-shared/config-reference';
import { groupDefaults, runConfigDefaults } from '../../../src-shared/run-config';
import { useApi } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { DistillSection } from './DistillSection';
import { useAction } from '../../hooks/useAction';
import type { LaunchFormValues as Form } from './launch-form-fields';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
/** A share's bounds from the schema, in percent as the form shows them. */
const percentBounds = (path: string) => {
  const { min, max } = configBounds(path);
  return { min: min * 100, max: max * 100 };
};

/**
 * Data recipes of a launch: minority replication and minority-centred crops, by class, with a
 * preview of how replication and hard-sample weights change the pixel share each class gets.
 */
export function RecipesSection({ form, datasetId, onChange }: { form: Form; datasetId: string; onChange: (patch: Partial<Form>) => void }) {
  const api = useApi();
  const dataset = useApiQuery('datasets:get', { datasetId }, ['dataset:changed']);
  const [preview, setPreview] = useState<RecipePreview | null>(null);
  const { error, run: attempt } = useAction();
  const stats = useApiQuery('datasets:stats', { datasetId }, ['dataset:changed']);
  const names = (dataset.data?.classes ?? []).filter((c) => !c.ignore).map((c) => c.name);
  // Recipes start on the rarest class of the training split (the one they are for), not the last listed.
  const trainStats = stats.data?.splits.find((s) => s.split === 'train') ?? stats.data?.splits.find((s) => s.split === 'all');
  const rarest = (() => {
    const candidates = (stats.data?.classes ?? [])
      .map((c, i) => ({ name: c.name, ignore: c.ignore, share: trainStats?.classes[i]?.share ?? 0 }))
      .filter((c) => !c.ignore && c.share > 0)
      .sort((a, b) => a.share - b.share);
    return candidates[0] ? [candidates[0].name] : names.slice(-1);
  })();
  const replicate = form.replicate ?? null;
  const crops = form.minorityCrops ?? null;
  const toggle = (list: readonly string[], name: string): string[] => (list.includes(name) ? list.filter((n) => n !== name) : [...list, name]);
  const classPicker = (chosen: readonly string[], pick: (next: string[]) => void, testId: string) => (
    <span className="row class-toggles" data-testid={testId}>
      {names.map((name) => (
        <label key={name} className="small">
          <input type="checkbox" checked={chosen.includes(name)} onChange={() => pick(toggle(chosen, name))} /> {name}
        </label>
      ))}
    </span>
  );
  const runPreview = async (): Promise<void> => {
    await attempt(
      async () => {
        setPreview(await api.invoke('runs:recipePreview', { ...form, datasetId }));
      },
      () => setPreview(null),
    );
  };

  return (
    <fieldset className="recipes" data-testid="form-recipes">
      <legend>Data recipes</legend>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={replicate !== null}
            onChange={(e) => onChange({ replicate: e.target.checked ? { classes: rarest, ...groupDefaults.replicate } : null })}
            data-testid="form-replicate"
          />{' '}
          Repeat images rich in
        </label>
        {replicate ? (
          <>
            {classPicker(replicate.classes, (classes) => onChange({ replicate: { ...replicate, classes } }), 'form-replicate-classes')}
            <label className="field inline small">
              <span>when the class covers at least (%)</span>
              <input
                type="number"
                {...percentBounds('replicate.minShare')}
                step={1}
                value={Math.round((replicate.minShare ?? groupDefaults.replicate.minShare) * 1000) / 10}
                onChange={(e) => onChange({ replicate: { ...replicate, minShare: Number(e.target.value) / 100 } })}
                data-testid="form-replicate-share"
              />
            </label>
            <label className="field inline small">
              <span>times</span>
              <input
                type="number"
                {...configBounds('replicate.times')}
                value={replicate.times ?? groupDefaults.replicate.times}
                onChange={(e) => onChange({ replicate: { ...replicate, times: Number(e.target.value) } })}
                data-testid="form-replicate-times"
              />
            </label>
          </>
        ) : null}
      </div>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={crops !== null}
            onChange={(e) => onChange({ minorityCrops: e.target.checked ? { classes: rarest, ...groupDefaults.minorityCrops } : null })}
            data-testid="form-minority"
          />{' '}
          Centre crops on pixels of
        </label>
        {crops ? (
          <>
            {classPicker(crops.classes, (classes) => onChange({ minorityCrops: { ...crops, classes } }), 'form-minority-classes')}
            <label className="field inline small">
              <span>share of crops (%)</span>
              <input
                type="number"
                {...percentBounds('minorityCrops.share')}
                value={Math.round((crops.share ?? groupDefaults.minorityCrops.share) * 100)}
                onChange={(e) => onChange({ minorityCrops: { ...crops, share: Number(e.target.value) / 100 } })}
                data-testid="form-minority-share"
              />
            </label>
            <span className="muted small">the rest random; an image without those classes gets a random crop.</span>
          </>
        ) : null}
      </div>
      <DistillSection
        value={form.distill ?? null}
        studentClasses={names}
        inputSize={form.inputSize ?? runConfigDefaults.inputSize}
        onChange={(distill) => onChange({ distill })}
      />
      <div className="row">
        <button type="button" className="button" disabled={!datasetId} onClick={() => void runPreview()} data-testid="form-recipe-preview">
          Preview class exposure
        </button>
        {error ? <span className="error-text small">{error}</span> : null}
      </div>
      {preview ? (
        <div data-testid="recipe-preview">
          <p className="small">
            {preview.replicated} of {preview.trainImages} training images repeated; {preview.drawsPerPass} draws per pass.
            {preview.minorityCrops
              ? ` ${Math.round(preview.minorityCrops.share * 100)}% of the crops of the ${preview.minorityCrops.images} images that hold ${crops?.classes.join(' or ') ?? 'those classes'} are centred on them (crop side about ${preview.minorityCrops.side} px at the mean scale).`
              : ''}{' '}
            Expected share of the pixels the model sees, per class, counting sampler weights, replication and minority crops:
          </p>
          <table className="table compact">
            <thead>
              <tr>
                <th>Class</th>
                <th className="num">Uniform</th>
                <th className="num">With these recipes</th>
              </tr>
            </thead>
            <tbody>
              {preview.classNames.map((name, i) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td className="num">{pct(preview.sharesBefore[i] ?? 0)}</td>
                  <td className={`num ${(preview.sharesAfter[i] ?? 0) > (preview.sharesBefore[i] ?? 0) + 1e-9 ? 'up' : ''}`}>
                    {pct(preview.sharesAfter[i] ?? 0)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </fieldset>
  );
}
