/**
 * A label check's suspect regions against the mask in effect now. Accepting writes the suggested
 * class into a region's pixels except those of the ignore class and those whose label the
 * dataset has no class for (as RevisionService.create does), so those never count as left to
 * change; a region with nothing left to change is done, whatever its scores said.
 */
export interface RegionStatus {
  /** 1-based, in `connectedRegions` order (the number the server's accept takes). */
  id: number;
  pixels: number;
  /** Pixels that accepting would still change. */
  pending: number;
  /** The most common class position in the mask in effect, and training label predicted, over the pending pixels (over all of them once done). */
  given: number;
  predicted: number;
}

/** The dataset's class position a training label writes, or -1 (no such class); ignore positions are never written over. */
export interface LabelMapping {
  positionOfLabel: readonly number[];
  ignored: ReadonlySet<number>;
}

function writes(mapping: LabelMapping, given: number, label: number): number {
  const target = mapping.positionOfLabel[label] ?? -1;
  return target < 0 || mapping.ignored.has(given) ? -1 : target;
}

/** Per region: its size, what accepting would still change, and its usual given and predicted class. */
export function regionStatus(regionOf: Int32Array, regionCount: number, given: Uint8Array, predicted: Uint8Array, mapping: LabelMapping): RegionStatus[] {
  const pending = new Array<number>(regionCount).fill(0);
  const pixels = new Array<number>(regionCount).fill(0);
  const givenCounts = Array.from({ length: regionCount }, () => ({ pending: new Map<number, number>(), all: new Map<number, number>() }));
  const predictedCounts = Array.from({ length: regionCount }, () => ({ pending: new Map<number, number>(), all: new Map<number, number>() }));
  const bump = (counts: Map<number, number>, key: number): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (let p = 0; p < regionOf.length; p += 1) {
    const region = regionOf[p]! - 1;
    if (region < 0 || region >= regionCount) continue;
    pixels[region]! += 1;
    const g = given[p]!;
    const label = predicted[p]!;
    bump(givenCounts[region]!.all, g);
    bump(predictedCounts[region]!.all, label);
    const target = writes(mapping, g, label);
    if (target >= 0 && target !== g) {
      pending[region]! += 1;
      bump(givenCounts[region]!.pending, g);
      bump(predictedCounts[region]!.pending, label);
    }
  }
  const top = (counts: Map<number, number>): number => [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? -1;
  return pending.map((left, region) => {
    const use = left > 0 ? 'pending' : 'all';
    return { id: region + 1, pixels: pixels[region]!, pending: left, given: top(givenCounts[region]![use]), predicted: top(predictedCounts[region]![use]) };
  });
}

/** The mask in effect as it would be after accepting the prediction in `region` (0: every region). */
export function afterAccepting(regionOf: Int32Array, region: number, given: Uint8Array, predicted: Uint8Array, mapping: LabelMapping): Uint8Array {
  const next = given.slice();
  for (let p = 0; p < regionOf.length; p += 1) {
    const id = regionOf[p]!;
    if (id === 0 || (region !== 0 && id !== region)) continue;
    const target = writes(mapping, given[p]!, predicted[p]!);
    if (target >= 0) next[p] = target;
  }
  return next;
}
