import { ApiError } from '../../src-shared/errors';
import { assignSplits, groupKey } from '../../src-shared/splits';
import type { SplitName, SplitRequest } from '../../src-shared/splits';
import type { ImageRow } from '../db/dataset-statements';
import type { Statements } from '../db/statements';
import { duplicateGroupsOf } from './duplicate-queries';

/**
 * Writes a split of a dataset's images (random, grouped by a file-name pattern, near-duplicates
 * kept together) and its config; call inside a transaction.
 */
export function writeSplit(statements: Statements, request: SplitRequest): void {
  let pattern: RegExp | undefined;
  if (request.groupPattern) {
    try {
      pattern = new RegExp(request.groupPattern);
    } catch (error) {
      throw new ApiError('VALIDATION', `groupPattern is not a valid regular expression: ${(error as Error).message}. Example: ^(tile\\d+)_`);
    }
  }
  const rows = statements.imagesOfDataset.all(request.datasetId);
  const keys = request.duplicateThreshold === undefined ? undefined : duplicateKeys(statements, request.datasetId, rows, pattern, request.duplicateThreshold);
  const splits: SplitName[] = assignSplits(rows.map((row) => row.stem), request, request.seed, pattern, keys);
  rows.forEach((row, i) => statements.imageSetSplit.run({ id: row.id, split: splits[i] ?? 'train' }));
  const config = { seed: request.seed, train: request.train, val: request.val, test: request.test, groupPattern: request.groupPattern, duplicateThreshold: request.duplicateThreshold };
  statements.datasetSetSplitConfig.run({ id: request.datasetId, split_config: JSON.stringify(config) });
}

/**
 * Group keys that keep near-duplicates together: each image starts in its file-name group (or
 * alone), and every near-duplicate group joins the groups of its members.
 */
function duplicateKeys(statements: Statements, datasetId: string, rows: ImageRow[], pattern: RegExp | undefined, threshold: number): string[] {
const { hashed, rows: signed, groups } = duplicateGroupsOf(statements, datasetId, threshold);
  if (hashed < signed.length) {
    throw new ApiError('VALIDATION', `${signed.length - hashed} of ${signed.length} images have no near-duplicate signature yet; run "Find near-duplicates" on the Duplicates tab first.`);
  }
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    return root;
  };
  const base = new Map(rows.map((row) => [row.id, groupKey(row.stem, pattern)]));
  for (const group of groups) {
    const roots = group.ids.map((id) => find(base.get(id) ?? String(id)));
    for (const root of roots.slice(1)) if (root !== roots[0]) parent.set(root, roots[0]!);
  }
  return rows.map((row) => find(base.get(row.id)!));
}
