import { ApiError } from '../../src-shared/errors';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assignSplits, groupKey, splitOfName, splitsFromFolders, splitsFromLists, splitsFromPatterns } from '../../src-shared/splits';
import type { SplitName, SplitRequest } from '../../src-shared/splits';
import { compileUserPattern } from '../../src-shared/user-pattern';
import type { UserPattern } from '../../src-shared/user-pattern';
import type { ImageRow } from '../db/dataset-statements';
import type { Statements } from '../db/statements';
import { duplicateGroupsOf } from './duplicate-queries';

/**
 * Writes a split of a dataset's images and its config; call inside a transaction. Sources: a
 * seeded random draw (grouped by a file-name pattern, near-duplicates kept together), the
 * folders in the images' paths, list files, or name patterns. Refused, with what was found,
 * when the source gives no validation image.
 */
export function writeSplit(statements: Statements, request: SplitRequest): void {
  const rows = statements.imagesOfDataset.all(request.datasetId);
  const stems = rows.map((row) => row.stem);
  let splits: (SplitName | null)[];
  let note: string | undefined;
  switch (request.from) {
    case 'folders': {
      splits = splitsFromFolders(stems);
      if (!splits.some((s) => s === 'val' || s === 'test')) {
        const folders = [...new Set(stems.filter((s) => s.includes('/')).map((s) => s.split('/')[0]))].slice(0, 6);
        throw new ApiError(
          'VALIDATION',
          `No validation or test folder among the images' folders (${folders.length ? folders.join(', ') : 'the images are not in sub-folders'}). ` +
            'Folders named train/training, val/valid/validation and test/testing (any case) set the split; import the folder above them.',
        );
      }
      break;
    }
    case 'lists': {
      const lists = readLists(request.listsDir!);
      const found = splitsFromLists(stems, lists);
      splits = found.splits;
      const unassigned = splits.filter((s) => s === null).length;
      note = [
        `lists ${lists.map((l) => `${l.file} (${l.entries.length})`).join(', ')}`,
        unassigned ? `${unassigned} images in no list (unassigned)` : '',
        found.unmatched ? `${found.unmatched} list entries name no image` : '',
        found.inTwo.length ? `${found.inTwo.length} names in two lists (the later list wins), e.g. ${found.inTwo.slice(0, 3).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      if (!splits.includes('val'))
        throw new ApiError(
          'VALIDATION',
          `The lists give no validation image: ${note}. A val.txt (or valid.txt, validation.txt) whose lines name images is needed.`,
        );
      break;
    }
    case 'patterns': {
      const valPattern = compile(request.valPattern!, 'valPattern', '_val_');
      const testPattern = request.testPattern ? compile(request.testPattern, 'testPattern', '_test_') : undefined;
      splits = splitsFromPatterns(stems, valPattern, testPattern);
      if (!splits.includes('val'))
        throw new ApiError('VALIDATION', `valPattern ${request.valPattern} matches no image name (e.g. ${stems.slice(0, 3).join(', ')}).`);
      break;
    }
    default: {
      const pattern = request.groupPattern ? compile(request.groupPattern, 'groupPattern', '^(tile\\d+)_') : undefined;
      const keys =
        request.duplicateThreshold === undefined ? undefined : duplicateKeys(statements, request.datasetId, rows, pattern, request.duplicateThreshold);
      splits = assignSplits(stems, request, request.seed, pattern, keys);
    }
  }
  rows.forEach((row, i) => statements.imageSetSplit.run({ id: row.id, split: request.from === 'random' ? (splits[i] ?? 'train') : (splits[i] ?? null) }));
  const config =
    request.from === 'random'
      ? {
          from: request.from,
          seed: request.seed,
          train: request.train,
          val: request.val,
          test: request.test,
          groupPattern: request.groupPattern,
          duplicateThreshold: request.duplicateThreshold,
        }
      : {
          from: request.from,
          seed: request.seed,
          ...shares(splits),
          listsDir: request.listsDir,
          valPattern: request.valPattern,
          testPattern: request.testPattern,
          note,
        };
  statements.datasetSetSplitConfig.run({ id: request.datasetId, split_config: JSON.stringify(config) });
}

function compile(source: string, field: string, example: string): UserPattern {
  try {
    return compileUserPattern(source);
  } catch (error) {
    throw new ApiError('VALIDATION', `${field} is not a valid regular expression: ${(error as Error).message}. Example: ${example}`);
  }
}

/** The shares a non-random source produced, for the Splits tab's fields. */
function shares(splits: readonly (SplitName | null)[]): { train: number; val: number; test: number } {
  const assigned = splits.filter((s) => s !== null).length || 1;
  const share = (name: SplitName): number => splits.filter((s) => s === name).length / assigned;
  return { train: share('train'), val: share('val'), test: share('test') };
}

/** List file names that count, per split, in the order they are read. */
const listFileNames = /^(train|training|val|valid|validation|test|testing)([_-]?(list|files|images|ids|set|split))?\.(txt|csv|lst)$/i;

/** Reads the split list files of a folder: one name a line (a CSV's first column). */
function readLists(dir: string): { split: SplitName; file: string; entries: string[] }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new ApiError('VALIDATION', `The lists folder ${dir} cannot be read. Give the folder that holds train.txt and val.txt.`);
  }
  const lists = names
    .filter((name) => listFileNames.test(name))
    .sort()
    .map((file) => ({
      split: splitOfName(file)!,
      file,
      entries: readFileSync(join(dir, file), 'utf8')
        .split(/\r?\n/)
        .map((line) => line.split(',')[0]!.trim())
        .filter((line) => line.length > 0),
    }));
  if (lists.length === 0) {
    throw new ApiError(
      'VALIDATION',
      `No split lists in ${dir}: expected train.txt, val.txt (or valid.txt, validation.txt) and optionally test.txt, one image name a line. Found: ${names.slice(0, 8).join(', ') || 'nothing'}.`,
    );
  }
  return lists;
}

/**
 * Group keys that keep near-duplicates together: each image starts in its file-name group (or
 * alone), and every near-duplicate group joins the groups of its members.
 */
function duplicateKeys(statements: Statements, datasetId: string, rows: ImageRow[], pattern: UserPattern | undefined, threshold: number): string[] {
  const { hashed, rows: signed, groups } = duplicateGroupsOf(statements, datasetId, threshold);
  if (hashed < signed.length) {
    throw new ApiError(
      'VALIDATION',
      `${signed.length - hashed} of ${signed.length} images have no near-duplicate signature yet; run "Find near-duplicates" on the Duplicates tab first.`,
    );
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
