import { duplicateGroups, leakage } from '../../src-shared/duplicates';
import type { DuplicateGroup, DuplicateReport, HashedImage } from '../../src-shared/duplicates';
import type { SplitName } from '../../src-shared/splits';
import type { Db } from '../db/connection';

interface SignatureRow {
  id: number;
  stem: string;
  split: SplitName | null;
  signature: Buffer | null;
}

/** Indexed images of a dataset with their signature when it belongs to the file as it is now. */
function signatureRows(db: Db, datasetId: string): SignatureRow[] {
  return db
    .prepare<[string], SignatureRow>(
      `SELECT i.id, i.stem, i.split,
              CASE WHEN s.image_size = i.image_size AND s.image_mtime = i.image_mtime THEN s.signature END AS signature
       FROM images i LEFT JOIN image_signatures s ON s.image_id = i.id
       WHERE i.dataset_id = ? AND i.state = 'indexed' ORDER BY i.id`,
    )
    .all(datasetId);
}

/** Indexed images whose signature is missing or older than their file. */
export function unsignedImages(db: Db, datasetId: string): { id: number; image_path: string; image_size: number; image_mtime: number }[] {
  return db
    .prepare<[string], { id: number; image_path: string; image_size: number; image_mtime: number }>(
      `SELECT i.id, i.image_path, i.image_size, i.image_mtime FROM images i LEFT JOIN image_signatures s ON s.image_id = i.id
       WHERE i.dataset_id = ? AND i.state = 'indexed' AND (s.image_id IS NULL OR s.image_size != i.image_size OR s.image_mtime != i.image_mtime)
       ORDER BY i.id`,
    )
    .all(datasetId);
}

const asSignature = (blob: Buffer): Float32Array => new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));

export function duplicateGroupsOf(db: Db, datasetId: string, threshold: number): { rows: SignatureRow[]; hashed: number; groups: DuplicateGroup[] } {
  const rows = signatureRows(db, datasetId);
  const hashedImages: HashedImage[] = rows.filter((r) => r.signature !== null).map((r) => ({ id: r.id, signature: asSignature(r.signature!) }));
  return { rows, hashed: hashedImages.length, groups: duplicateGroups(hashedImages, threshold) };
}

/** Near-duplicate groups of a dataset at a threshold, with their members' splits and the leakage of the split in effect. */
export function duplicateReport(db: Db, datasetId: string, threshold: number): DuplicateReport {
  const { rows, hashed, groups } = duplicateGroupsOf(db, datasetId, threshold);
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
