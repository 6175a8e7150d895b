import type { JobContext } from '../job-context';
import type { ProgressClock } from './progress-clock';
import type { ResourceMonitor } from './resources';

/**
 * Reporting during an epoch: step losses go to main in batches (at most one message a second, and
 * at the epoch's end, with the engine's resources), and progress after every step.
 */
export class StepReporter {
  private pending: { step: number; epoch: number; loss: number; lr: number }[] = [];
  private lastFlush = performance.now();

  constructor(
    private readonly context: JobContext,
    private readonly monitor: ResourceMonitor,
    private readonly epochs: number,
    private readonly stepsPerEpoch: number,
    private readonly clock: ProgressClock,
  ) {}

  step(globalStep: number, epoch: number, step: number, loss: number, lr: number): void {
    this.pending.push({ step: globalStep, epoch: epoch + 1, loss, lr });
    if (performance.now() - this.lastFlush > 1000 || step === this.stepsPerEpoch) {
      this.context.emit({ kind: 'run-steps', steps: this.pending, resources: this.monitor.sample() });
      this.pending = [];
      this.lastFlush = performance.now();
    }
    const at = this.clock.step(epoch, step);
    this.context.progress(
      at.done,
      at.total,
      `epoch ${epoch + 1}/${this.epochs}, step ${step}/${this.stepsPerEpoch}, loss ${loss.toFixed(4)}${this.clock.knowsValidation ? '' : ' (time left: training only until the first validation)'}`,
      at.etaSeconds,
    );
  }

  /** A validation image done: the bar moves on through the validation stage, with its own pace. */
  validated(epoch: number, image: number, images: number): void {
    const at = this.clock.validated(epoch, image);
    this.context.progress(at.done, at.total, `epoch ${epoch + 1}/${this.epochs}: validating ${image}/${images}`, at.etaSeconds);
  }

  /** The steps not sent yet (an epoch cut short by skipped batches). */
  flush(): void {
    if (this.pending.length > 0) this.context.emit({ kind: 'run-steps', steps: this.pending });
    this.pending = [];
  }
}
