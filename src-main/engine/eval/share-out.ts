/**
 * One queue of images shared between the engine's thread and helper threads (compute workers):
 * each takes the next image when it is free, so a slow thread takes fewer. Results are returned by
 * image index, so a caller that folds them in index order gets exactly what one thread would.
 */

/** Does the work for the image at `index` somewhere; rejects when that thread failed. */
export type ImageWork<T> = (index: number) => Promise<T>;

/**
 * Runs images 0..count-1 over `local` and the `helpers`; returns the results by index and how many
 * images the helpers did. A helper that fails hands its image back
 * to this thread and takes no more; a failure on this thread is the job's. Stops taking images
 * once `signal` is aborted (results not done stay undefined).
 */
export async function shareOut<T>(
  count: number,
  local: ImageWork<T>,
  helpers: readonly ImageWork<T>[],
  signal: AbortSignal,
  onDone: (index: number) => void = () => {},
): Promise<{ results: (T | undefined)[]; byHelpers: number }> {
  const results: (T | undefined)[] = new Array(count);
  let next = 0;
  let byHelpers = 0;
  const work = async (run: ImageWork<T>, isLocal: boolean): Promise<void> => {
    while (next < count && !signal.aborted) {
      const index = next;
      next += 1;
      try {
        results[index] = await run(index);
        if (!isLocal) byHelpers += 1;
      } catch (error) {
        if (isLocal) throw error;
        results[index] = await local(index);
        onDone(index);
        return;
      }
      onDone(index);
    }
  };
  await Promise.all([work(local, true), ...helpers.map((helper) => work(helper, false))]);
  return { results, byHelpers };
}
