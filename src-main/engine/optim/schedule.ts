import type { RunConfig } from '../../../src-shared/run-config';

type Schedule = RunConfig['schedule'];

/**
 * Learning rate at a (fractional) epoch. Warmup scales any schedule linearly from 0 over
 * `warmupEpochs`; OneCycle has its own warm-up (Smith 2018: from lr/25 to lr over 30% of training,
 * then a cosine to minLr). Reduce-on-plateau is the base rate times gamma per reduction so far.
 */
export function learningRate(baseLr: number, schedule: Schedule, epoch: number, totalEpochs: number, plateauReductions = 0): number {
  const t = Math.min(Math.max(epoch, 0), totalEpochs);
  if (schedule.name === 'onecycle') {
    const peak = Math.max(1e-9, 0.3 * totalEpochs);
    if (t < peak) return baseLr / 25 + (baseLr - baseLr / 25) * (t / peak);
    const progress = (t - peak) / Math.max(1e-9, totalEpochs - peak);
    return schedule.minLr + (baseLr - schedule.minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
  let lr: number;
  switch (schedule.name) {
    case 'constant':
      lr = baseLr;
      break;
    case 'step':
      lr = baseLr * schedule.gamma ** Math.floor(t / schedule.stepEvery);
      break;
    case 'cosine':
      lr = schedule.minLr + (baseLr - schedule.minLr) * 0.5 * (1 + Math.cos((Math.PI * t) / totalEpochs));
      break;
    case 'plateau':
      lr = baseLr * schedule.gamma ** plateauReductions;
      break;
  }
  return schedule.warmupEpochs > 0 && t < schedule.warmupEpochs ? (lr * t) / schedule.warmupEpochs : lr;
}

/** Counts epochs without improvement of validation mIoU; after `patience` of them, one reduction. */
export class PlateauTracker {
  constructor(
    private readonly patience: number,
    public best = -Infinity,
    public stale = 0,
    public reductions = 0,
  ) {}

  update(metric: number): void {
    if (metric > this.best + 1e-6) {
      this.best = metric;
      this.stale = 0;
      return;
    }
    this.stale += 1;
    if (this.stale >= this.patience) {
      this.reductions += 1;
      this.stale = 0;
    }
  }

  toJSON(): { best: number; stale: number; reductions: number } {
    return { best: this.best, stale: this.stale, reductions: this.reductions };
  }
}
