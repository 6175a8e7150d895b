import { mulberry32 } from '../../src-shared/random';

/**
 * The seeded weights of the encoder fixtures (tests/fixtures/encoders, make_fixture.py): every
 * state_dict tensor drawn from mulberry32, seeded per key, so the test and the script that ran
 * PyTorch hold the same values without committing them.
 */

/** FNV-1a, 32 bits, over the UTF-8 bytes (make_fixture.py's fnv1a32). */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/** make_fixture.py's value_range. */
function valueRange(key: string, shape: number[]): [number, number] {
  if (key === 'input') return [-2, 2];
  if (key.endsWith('running_var')) return [0.5, 1.5];
  if (key.endsWith('running_mean') || key.endsWith('.bias')) return [-0.2, 0.2];
  if (key.endsWith('.weight') && shape.length === 1) return [0.5, 1];
  if (key.endsWith('.weight') && shape.length === 4) {
    const bound = Math.sqrt(3 / (shape[1]! * shape[2]! * shape[3]!));
    return [-bound, bound];
  }
  throw new Error(`no value range for ${key}`);
}

/** A tensor's seeded values, row-major in PyTorch's layout (make_fixture.py's seeded_tensor). */
export function seededValues(seed: number, key: string, shape: number[]): Float32Array {
  const random = mulberry32(fnv1a32(`${seed}:${key}`));
  const [lo, hi] = valueRange(key, shape);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i += 1) out[i] = lo + (hi - lo) * random();
  return out;
}
