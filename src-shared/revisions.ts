import { regionSchema } from './raster';
import { z } from './zod';

/**
 * Label corrections. Every change to a mask is a revision: a new file in the data directory and
 * a row that says when, what and from which run. The original file is never written. Undo moves
 * to the revision a change was made on, redo to the newest made on the current one, revert to
 * the original; nothing is deleted, so every revision can be returned to.
 */
export type RevisionAction = 'accept-prediction' | 'paint';

export const createRevisionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('accept-prediction'),
    imageId: z.number().int().positive(),
    runId: z.string().min(1),
    /** Only inside this region; the whole image when absent. */
    region: regionSchema.optional(),
  }),
  z.strictObject({
    action: z.literal('paint'),
    imageId: z.number().int().positive(),
    /** Position of the class in the dataset's class list. */
    classIndex: z.number().int().min(0),
    region: regionSchema,
  }),
]);
export type CreateRevisionRequest = z.output<typeof createRevisionSchema>;

export const revisionImageSchema = z.strictObject({ imageId: z.number().int().positive() });
export const restoreRevisionSchema = z.strictObject({
  imageId: z.number().int().positive(),
  /** The revision to put in effect; null = the original mask. */
  revisionId: z.number().int().positive().nullable(),
});

export interface RevisionInfo {
  id: number;
  parentId: number | null;
  action: RevisionAction;
  /** What a person reads: "accepted the prediction of run baseline (whole image)". */
  summary: string;
  changedPixels: number;
  createdAt: string;
  path: string;
  /** The label check whose review queue made it; null for any other revision. */
  checkId: number | null;
}

/**
 * How another mask was put in effect: undo (to the revision a change was made on), redo (to one
 * made on the current), revert (to the original) or restore (a revision picked from the history).
 */
export type RevisionMoveHow = 'undo' | 'redo' | 'revert' | 'restore';

/** One change of the mask in effect that made no new revision: recorded, so a revert is in the history too. */
export interface RevisionMove {
  id: number;
  how: RevisionMoveHow;
  /** The revision in effect before and after (null: the original mask). */
  fromId: number | null;
  toId: number | null;
  /** What a person reads: "undid revision 2, back to revision 1", "reverted to the original". */
  summary: string;
  createdAt: string;
}

export interface ImageRevisions {
  imageId: number;
  stem: string;
  originalPath: string;
  /** The mask in effect: the current revision's file, or the original. */
  effectivePath: string;
  /** The revision in effect; null when the original is. */
  current: number | null;
  /** Oldest first. */
  items: RevisionInfo[];
  /** Undo, redo, revert and restore, oldest first. */
  moves: RevisionMove[];
  /** Where undo and redo lead (undefined: nothing to undo / redo). */
  undoTo: number | null | undefined;
  redoTo: number | undefined;
}

/** Where undo leads from `current`: its parent (null = the original); undefined at the original. */
export function undoTarget(items: readonly Pick<RevisionInfo, 'id' | 'parentId'>[], current: number | null): number | null | undefined {
  if (current === null) return undefined;
  return items.find((r) => r.id === current)?.parentId ?? null;
}

/** Where redo leads: the newest revision made on `current` (null = on the original). */
export function redoTarget(items: readonly Pick<RevisionInfo, 'id' | 'parentId'>[], current: number | null): number | undefined {
  let newest: number | undefined;
  for (const r of items) if (r.parentId === current && (newest === undefined || r.id > newest)) newest = r.id;
  return newest;
}

export const exportCorrectedSchema = z.strictObject({
  datasetId: z.string().min(1),
  /** An empty or new folder; images/ and masks/ are written inside it. */
  dir: z.string().min(1),
});

export const exportJobParamsSchema = z.object({
  datasetId: z.string().min(1),
  dir: z.string().min(1),
  files: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) })),
  manifestPath: z.string().min(1),
  manifest: z.string(),
});
export type ExportJobParams = z.output<typeof exportJobParamsSchema>;
