/** Smooth value noise: random values on a grid of `cell` pixels, bilinear with smoothstep. */
export function valueNoise(size: number, cell: number, random: () => number): Float32Array {
  const grid = Math.ceil(size / cell) + 2;
  const lattice = new Float32Array(grid * grid);
  for (let i = 0; i < lattice.length; i += 1) lattice[i] = random();
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y += 1) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const ty = smooth(gy - y0);
    for (let x = 0; x < size; x += 1) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const tx = smooth(gx - x0);
      const a = lattice[y0 * grid + x0]!;
      const b = lattice[y0 * grid + x0 + 1]!;
      const c = lattice[(y0 + 1) * grid + x0]!;
      const d = lattice[(y0 + 1) * grid + x0 + 1]!;
      out[y * size + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}
