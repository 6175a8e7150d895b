/**
 * Time left of a download, from the pace of its last seconds: a network's speed changes during a
 * transfer far more than a training step's, so the whole transfer's average would promise too
 * much after a slow start and too little after a stall. Bytes that were already on disk (a
 * resume) are not counted as received this session, and nothing is promised before a second of
 * data has been measured.
 */

export interface TransferProgress {
  /** Bytes on disk, resumed ones included. */
  done: number;
  total: number;
  /** Bytes a second over the last seconds; null until measured. */
  bytesPerSecond: number | null;
  /** Seconds left at that pace; null until measured. */
  etaSeconds: number | null;
}

/** How far back the pace is measured. */
const windowMs = 8_000;
/** No pace is given from less than this. */
const minimumMs = 1_000;

export class TransferClock {
  /** (time, bytes done) samples within the window, oldest first. */
  private samples: { at: number; done: number }[] = [];
  private started = 0;

  constructor(
    private readonly total: number,
    done = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.restart(done);
  }

  /** Starts measuring again from `done` bytes (a download restarted from zero, a resume). */
  restart(done: number): void {
    this.started = this.now();
    this.samples = [{ at: this.started, done }];
  }

  progress(done: number): TransferProgress {
    const at = this.now();
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const span = at - first.at;
    const measured = at - this.started >= minimumMs && span > 0;
    const bytesPerSecond = measured ? ((done - first.done) * 1000) / span : null;
    const left = Math.max(0, this.total - done);
    const etaSeconds = left === 0 ? 0 : bytesPerSecond ? left / bytesPerSecond : null;
    return { done, total: this.total, bytesPerSecond, etaSeconds };
  }
}
