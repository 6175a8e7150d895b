/** Per-image maps (weights, repeats): one row saying how many images they cover, not one per image. */
const perImageMaps = new Set(['sampler.weights', 'replicate.repeats']);

/** Flattens nested config objects to dot paths: { optimizer: { lr: 1 } } -> { 'optimizer.lr': 1 }. */
export function flatten(value: unknown, prefix = ''): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: JSON.stringify(value) };
  if (perImageMaps.has(prefix)) return { [prefix]: `${Object.keys(value).length} images` };
  const out: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) Object.assign(out, flatten(inner, prefix ? `${prefix}.${key}` : key));
  return out;
}

/** The config keys whose values differ between runs, with each run's value. */
export function configDiff(configs: readonly unknown[], ignore: readonly string[] = ['datasetId', 'name']): { key: string; values: string[] }[] {
  const flat = configs.map((c) => flatten(c));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => !ignore.includes(k)).sort();
  return keys
    .map((key) => ({ key, values: flat.map((f) => f[key] ?? '-') }))
    .filter((row) => new Set(row.values).size > 1);
}
