/**
 * A training run's progress as one bar over its two stages: every epoch is its training steps,
 * then its validation images. Time left counts both at their own measured pace (seconds per step
 * and per validation image, this run's means), so the bar never sits at "0s left" while the run
 * validates for minutes. Before the first validation the validation pace is unknown and the time
 * left covers training only (the message says so).
 */
export class ProgressClock {
  private stepSeconds: { sum: number; count: number } = { sum: 0, count: 0 };
  private imageSeconds: { sum: number; count: number } = { sum: 0, count: 0 };
  private last: number;
  /** Validation images of each epoch (validateEvery and the subset make them differ). */
  private readonly valPerEpoch: number[];
  /** Units done before each epoch starts. */
  private readonly offsets: number[];

  constructor(
    private readonly epochs: number,
    private readonly stepsPerEpoch: number,
    valImages: number | readonly number[],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
    this.valPerEpoch = Array.from({ length: epochs }, (_, i) => (typeof valImages === 'number' ? valImages : (valImages[i] ?? 0)));
    this.offsets = this.valPerEpoch.map((_, i) => i * stepsPerEpoch + this.valPerEpoch.slice(0, i).reduce((a, b) => a + b, 0));
  }

  get total(): number {
    return this.epochs * this.stepsPerEpoch + this.valPerEpoch.reduce((a, b) => a + b, 0);
  }

  /** The clock restarts without counting the time in between (a checkpoint save, a resume). */
  mark(): void {
    this.last = this.now();
  }

  /** A training step done: `step` of the epoch (1-based), `epoch` 0-based. */
  step(epoch: number, step: number): { done: number; total: number; etaSeconds: number | null } {
    this.tick(this.stepSeconds);
    return this.report((this.offsets[epoch] ?? this.total) + step, epoch, step, 0);
  }

  /** A validation image done: `image` of the epoch's validation (1-based). */
  validated(epoch: number, image: number): { done: number; total: number; etaSeconds: number | null } {
    this.tick(this.imageSeconds);
    return this.report((this.offsets[epoch] ?? this.total) + this.stepsPerEpoch + image, epoch, this.stepsPerEpoch, image);
  }

  /** Whether the time left includes validation (its pace is known). */
  get knowsValidation(): boolean {
    return this.imageSeconds.count > 0 || this.valPerEpoch.every((n) => n === 0);
  }

  private tick(into: { sum: number; count: number }): void {
    const now = this.now();
    into.sum += (now - this.last) / 1000;
    into.count += 1;
    this.last = now;
  }

  private report(done: number, epoch: number, stepsDone: number, imagesDone: number): { done: number; total: number; etaSeconds: number | null } {
    const perStep = this.stepSeconds.count > 0 ? this.stepSeconds.sum / this.stepSeconds.count : null;
    const perImage = this.imageSeconds.count > 0 ? this.imageSeconds.sum / this.imageSeconds.count : null;
    const epochsAfter = this.epochs - epoch - 1;
    const stepsLeft = this.stepsPerEpoch - stepsDone + epochsAfter * this.stepsPerEpoch;
    const imagesLeft = (this.valPerEpoch[epoch] ?? 0) - imagesDone + this.valPerEpoch.slice(epoch + 1).reduce((a, b) => a + b, 0);
    if (perStep === null && stepsLeft > 0) return { done, total: this.total, etaSeconds: null };
    const eta = (perStep ?? 0) * stepsLeft + (perImage ?? 0) * imagesLeft;
    return { done, total: this.total, etaSeconds: eta };
  }
}
