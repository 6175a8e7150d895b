import { ApiError } from '../../src-shared/errors';
import type { AppServices } from '../services/app-services';

interface Named {
  id: string;
  name: string;
}

/**
 * What a CLI argument names: an id, an exact name (case-insensitive), or a unique
 * case-insensitive prefix of a name or id. `segbench train --dataset sample` finds "Sample:
 * synthetic land cover"; a prefix that fits several is refused with the candidates.
 */
export function pickByName<T extends Named>(items: readonly T[], text: string, what: string, hint: string): T {
  const lower = text.toLowerCase();
  const exact = items.find((item) => item.id === text) ?? items.find((item) => item.name.toLowerCase() === lower);
  if (exact) return exact;
  const prefixed = items.filter((item) => item.name.toLowerCase().startsWith(lower) || item.id.toLowerCase().startsWith(lower));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) {
    throw new ApiError(
      'VALIDATION',
      `"${text}" fits ${prefixed.length} ${what}s: ${prefixed.map((item) => `"${item.name}" (${item.id})`).join(', ')}. Give more of the name, or the id.`,
    );
  }
  const known = items.map((item) => `"${item.name}"`);
  throw new ApiError('NOT_FOUND', `No ${what} "${text}". ${known.length ? `Known: ${known.join(', ')}.` : hint}`);
}

export async function findDataset(services: AppServices, text: string): Promise<string> {
  return pickByName(await services.api.invoke('datasets:list', {}), text, 'dataset', 'Import one with `segbench import` or `segbench sample`.').id;
}

export async function findRun(services: AppServices, text: string): Promise<string> {
  return pickByName(await services.api.invoke('runs:list', {}), text, 'run', 'Train one with `segbench train`.').id;
}
