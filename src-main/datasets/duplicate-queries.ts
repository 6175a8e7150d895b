import { duplicateGroups, leakage } from '../../src-shared/duplicates';
import type { DuplicateGroup, DuplicateReport, HashedImage } from '../../src-shared/duplicates';
import type { SplitName } from '../../src-shared/splits';
import type { Statements } from '../db/statements';

interface SignatureRow {
  id: number;
  stem: string;
  split: SplitName | null;
  image_mtime: number | null;
  signature: Buffer | null;
}

/** Indexed images of a dataset with their signature when it belongs to the file as it is now. */
function signatureRows(statements: Statements, datasetId: string): SignatureRow[] {
  return statements.signatureRows.all(datasetId).map((row) => ({ ...row, split: row.split as SplitName | null }));
}

const asSignature = (blob: Buffer): Float32Array => new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));

/**
 * Grouping is O(n^2) and the Duplicates tab asks again on every dataset change (each batch of a
 * running hash job, each split), so the groups are kept per dataset, threshold and set of current
 * signatures (ids and file times), and recomputed only when one of those changes.
 */
const groupCache = new Map<string, DuplicateGroup[]>();
const groupCacheSize = 8;

export function duplicateGroupsOf(
  statements: Statements,
  datasetId: string,
  threshold: number,
): { rows: SignatureRow[]; hashed: number; groups: DuplicateGroup[] } {
  const rows = signatureRows(statements, datasetId);
  const signed = rows.filter((r) => r.signature !== null);
  const key = `${datasetId}|${threshold}|${signed.length}|${signed.reduce((sum, r) => sum + r.id, 0)}|${signed.reduce((sum, r) => sum + (r.image_mtime ?? 0), 0)}`;
  let groups = groupCache.get(key);
  if (!groups) {
    const hashedImages: HashedImage[] = signed.map((r) => ({ id: r.id, signature: asSignature(r.signature!) }));
    groups = duplicateGroups(hashedImages, threshold);
    if (groupCache.size >= groupCacheSize) groupCache.delete(groupCache.keys().next().value!);
    groupCache.set(key, groups);
  }
  return { rows, hashed: signed.length, groups };
}

/** Near-duplicate groups of a dataset at a threshold, with their members' splits and the leakage of the split in effect. */
export function duplicateReport(statements: Statements, datasetId: string, threshold: number): DuplicateReport {
  const { rows, hashed, groups } = duplicateGroupsOf(statements, datasetId, threshold);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    datasetId,
    threshold,
    images: rows.length,
    hashed,
    groups: groups.map((g) => ({ ...g, members: g.ids.map((id) => ({ id, stem: byId.get(id)?.stem ?? String(id), split: byId.get(id)?.split ?? null })) })),
    leakage: leakage(groups, (id) => byId.get(id)?.split ?? null),
    heldOutImages: rows.filter((r) => r.split === 'val' || r.split === 'test').length,
  };
}
