import type { Sample } from './decode';

/** Decoded samples kept within a byte budget, least recently used out first. */
export class SampleCache {
  private readonly entries = new Map<number, Sample>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get(id: number): Sample | undefined {
    const sample = this.entries.get(id);
    if (sample) {
      this.entries.delete(id);
      this.entries.set(id, sample);
    }
    return sample;
  }

  set(id: number, sample: Sample): void {
    const size = sample.image.byteLength + sample.labels.byteLength;
    if (size > this.budgetBytes) return;
    this.entries.delete(id);
    this.entries.set(id, sample);
    this.bytes += size;
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.entries.delete(key);
      this.bytes -= old.image.byteLength + old.labels.byteLength;
    }
  }

  get usedBytes(): number {
    return this.bytes;
  }
}
