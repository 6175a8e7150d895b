import { useEffect, useState } from 'react';
import { encoderNames, modelsWithEncoders } from '../../../src-shared/encoders';
import type { EncoderName } from '../../../src-shared/encoders';
import { configBounds } from '../../../src-shared/config-reference';
import { runConfigDefaults as defaults } from '../../../src-shared/run-config';
import type { WeightsDownload } from '../../../src-shared/weights';
import { ErrorNote } from '../../components/ErrorNote';
import { ProgressBar } from '../../components/ProgressBar';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useApiQuery } from '../../hooks/useApiQuery';
import { rangeLabel } from './launch-form-fields';
import type { LaunchFormValues as Form } from './launch-form-fields';

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * The encoder of a U-Net, FPN or DeepLabV3+ and its pretrained weights: the model's own encoder,
 * or a ResNet from ImageNet weights in the data directory's cache (or from scratch). Weights that
 * are not cached yet download from here, with a bar and the time left; without a network the
 * failure says which URL to fetch by hand and how to import the file.
 */
export function EncoderSection({ form, onChange, issues }: { form: Form; onChange: (patch: Partial<Form>) => void; issues: ReadonlyMap<string, string> }) {
  const api = useApi();
  const overview = useApiQuery('weights:list', {}, ['weights:changed']);
  const [download, setDownload] = useState<WeightsDownload | null>(null);
  const { error, run: attempt } = useAction();
  useEffect(() => api.on('weights:changed', setDownload), [api]);

  const model = form.model ?? defaults.model;
  if (!(modelsWithEncoders as readonly string[]).includes(model)) return null;
  const encoder = form.modelOptions?.encoder;
  const weights = form.encoderWeights ?? null;

  const chooseEncoder = (value: string): void => {
    if (!value) {
      onChange({
        modelOptions: { ...form.modelOptions, encoder: undefined },
        encoderWeights: null,
        encoderFreezeEpochs: undefined,
        encoderLrFactor: undefined,
      });
      return;
    }
    // SMP's U-Net has its own decoder widths: the plain U-Net's depth and width do not apply.
    const kept = model === 'unet' ? {} : { ...form.modelOptions, depth: undefined };
    onChange({ modelOptions: { ...kept, encoder: value as EncoderName }, encoderWeights: weights ?? 'imagenet' });
  };

  /** A number of the encoder's schedule, its schema range in the label and its issue under it. */
  const numberField = (label: string, key: 'encoderFreezeEpochs' | 'encoderLrFactor', testId: string) => (
    <label className="field">
      <span>{rangeLabel(label, key)}</span>
      <input
        type="number"
        step={key === 'encoderLrFactor' ? 'any' : 1}
        {...configBounds(key)}
        value={form[key] ?? defaults[key]}
        onChange={(e) => onChange({ [key]: e.target.value === '' ? Number.NaN : Number(e.target.value) })}
        data-testid={testId}
      />
      {issues.get(key) ? (
        <em className="field-error" data-testid={`error-${key}`}>
          {issues.get(key)}
        </em>
      ) : null}
    </label>
  );

  const data = overview.data;
  const ofEncoder = (data?.cached ?? []).filter((w) => w.architecture === encoder);
  const imagenet = data?.defaults.find((d) => d.encoder === encoder);
  // What 'imagenet' resolves to (the launcher's rule): timm's default tag, else another ImageNet tag, else an import without a tag.
  const resolved =
    ofEncoder.find((w) => w.name === imagenet?.name) ?? ofEncoder.find((w) => w.name.endsWith('_in1k')) ?? ofEncoder.find((w) => w.name === encoder);
  const chosen = weights === 'imagenet' ? resolved : ofEncoder.find((w) => w.name === weights || w.sha256.startsWith(weights ?? '-'));
  const active = download && imagenet && download.name === imagenet.name ? download : null;

  return (
    <fieldset className="recipes" data-testid="encoder-section">
      <legend>Encoder</legend>
      <div className="encoder-grid">
        <label className="field">
          <span>Encoder</span>
          <select value={encoder ?? ''} onChange={(e) => chooseEncoder(e.target.value)} data-testid="form-encoder">
            <option value="">the model’s own (from scratch)</option>
            {encoderNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {encoder ? (
          <label className="field">
            <span>Encoder weights</span>
            <select value={weights ?? ''} onChange={(e) => onChange({ encoderWeights: e.target.value || null })} data-testid="form-encoder-weights">
              <option value="imagenet">ImageNet ({imagenet?.name ?? `${encoder}, timm’s default`})</option>
              {ofEncoder
                .filter((w) => w.name !== imagenet?.name)
                .map((w) => (
                  <option key={w.sha256} value={w.sha256.slice(0, 12)}>
                    {w.name} ({w.source === 'hub' ? 'downloaded' : 'imported'}, {w.sha256.slice(0, 8)})
                  </option>
                ))}
              <option value="">none: train the encoder from scratch</option>
            </select>
          </label>
        ) : null}
        {encoder ? numberField('Freeze the encoder for (epochs)', 'encoderFreezeEpochs', 'form-encoder-freeze') : null}
        {encoder ? numberField('Encoder learning rate factor', 'encoderLrFactor', 'form-encoder-lr-factor') : null}
      </div>
      {encoder && weights !== null ? (
        chosen ? (
          <p className="muted small" data-testid="encoder-weights-status">
            {chosen.name} is on this machine ({megabytes(chosen.size)}, sha256 {chosen.sha256.slice(0, 12)}…).{' '}
            {form.inputChannels
              ? 'A multispectral input is normalised with its own statistics; conv1 takes the RGB kernel by timm’s rule.'
              : 'The input is normalised with ImageNet’s mean and std.'}
          </p>
        ) : (
          <div data-testid="encoder-weights-missing">
            <p className="notice small">
              {imagenet?.name ?? encoder} is not on this machine yet: about {imagenet?.approxMB ?? '?'} MB from the Hugging Face hub ({imagenet?.url}), kept in{' '}
              {data?.root ?? 'the weights cache'}.
            </p>
            {active?.state === 'downloading' ? (
              <ProgressBar
                progress={{
                  done: active.done,
                  total: active.total,
                  etaSeconds: active.etaSeconds,
                  message: active.total > 0 ? `${megabytes(active.done)} of ${megabytes(active.total)}` : 'asking the hub…',
                }}
                showMessage
                testId="encoder-weights-progress"
              />
            ) : (
              <button
                type="button"
                className="button"
                disabled={!imagenet}
                onClick={() => void attempt(async () => setDownload(await api.invoke('weights:pull', { name: imagenet!.name })))}
                data-testid="encoder-weights-download"
              >
                Download {imagenet?.name}
              </button>
            )}
          </div>
        )
      ) : null}
      {active?.state === 'failed' ? (
        <pre className="error-note small" data-testid="encoder-weights-error">
          {active.message}
        </pre>
      ) : null}
      <ErrorNote message={error} />
    </fieldset>
  );
}
