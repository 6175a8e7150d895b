import { useCallback, useState } from 'react';
import type { LabelErrorItem } from '../../src-shared/label-errors';
import { useApi } from './ApiContext';

export type ReviewAction = 'accept' | 'accept-all' | 'keep';

/** One review made in a label check's review dialog, as its undo history keeps it. */
interface ReviewStep {
  action: ReviewAction;
  /** The region accepted (action 'accept'). */
  region?: number | undefined;
  /** The image as the queue listed it when reviewed, to show it again. */
  item: LabelErrorItem;
  undone: boolean;
}

export function describeStep(step: ReviewStep): string {
  const what =
    step.action === 'keep' ? 'kept the label of' : step.action === 'accept-all' ? 'accepted every region of' : `accepted region ${step.region ?? ''} of`;
  return `${what} ${step.item.stem}`;
}

/**
 * The review dialog's undo and redo over one check's queue, kept while the queue is open (closing
 * the dialog keeps it). Undo withdraws the newest review still in effect (a correction is undone on
 * the server as a recorded move, its revision kept); redo puts back the oldest one undone; a new
 * review drops what was undone. Each answers with the image to show: the one changed.
 */
export function useReviewHistory(checkId: number) {
  const api = useApi();
  const [steps, setSteps] = useState<ReviewStep[]>([]);
  const undoable = steps.filter((s) => !s.undone).at(-1);
  const redoable = steps.find((s) => s.undone);

  const record = useCallback((step: Omit<ReviewStep, 'undone'>) => setSteps((all) => [...all.filter((s) => !s.undone), { ...step, undone: false }]), []);
  const mark = (target: ReviewStep, undone: boolean): void => setSteps((all) => all.map((s) => (s === target ? { ...s, undone } : s)));

  const undo = async (): Promise<LabelErrorItem | null> => {
    if (!undoable) return null;
    const change = await api.invoke('labelErrors:undo', { checkId, imageId: undoable.item.imageId });
    mark(undoable, true);
    return change.item;
  };
  const redo = async (): Promise<LabelErrorItem | null> => {
    if (!redoable) return null;
    const { imageId } = redoable.item;
    let item: LabelErrorItem;
    if (redoable.action === 'keep') {
      await api.invoke('labelErrors:keep', { checkId, imageId });
      item = { ...redoable.item, review: 'kept', stale: false };
    } else {
      item = (await api.invoke('labelErrors:redo', { checkId, imageId })).item;
    }
    mark(redoable, false);
    return item;
  };
  return { steps, record, undo, redo, undoable, redoable };
}

export type ReviewHistory = ReturnType<typeof useReviewHistory>;
