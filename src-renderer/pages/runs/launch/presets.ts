import { modelsWithEncoders } from '../../../../src-shared/encoders';
import type { LaunchFormValues as Form } from '../launch-form-fields';

/** The launch form's starting points: each sets the fields it names and leaves the rest. */
export const presets: Record<string, { label: string; config: Partial<Form> }> = {
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
export function withModel(form: Form, model: NonNullable<Form['model']>): Partial<Form> {
  if ((modelsWithEncoders as readonly string[]).includes(model) || !form.modelOptions?.encoder) return { model };
  return {
    model,
    modelOptions: { ...form.modelOptions, encoder: undefined },
    encoderWeights: null,
    encoderFreezeEpochs: undefined,
    encoderLrFactor: undefined,
  };
}
