import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encoderArchitectures } from '../../../src-main/weights/catalogue';
import { encoderTensors } from '../../../src-main/weights/encoder-keys';
import { torchvisionKeys } from '../../helpers/timm-weights';

test("each architecture's expected state_dict is torchvision's own, key for key and shape for shape", () => {
  for (const architecture of encoderArchitectures) {
    // Listed by PyTorch from torchvision's models (tests/fixtures/encoders/make_fixture.py).
    const torchvision = torchvisionKeys(architecture)
      .filter(([key]) => !key.endsWith('.num_batches_tracked'))
      .map(([key, shape]) => `${key} [${shape.join(', ')}]`);
    const expected = [...encoderTensors(architecture)].map(([key, shape]) => `${key} [${shape.join(', ')}]`);
    assert.deepEqual(expected, torchvision, architecture);
  }
});
