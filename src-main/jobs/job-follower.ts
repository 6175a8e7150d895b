import { isFinalJobStatus } from '../../src-shared/jobs';
import type { Job, JobStatus } from '../../src-shared/jobs';
import type { JobRow } from '../db/statements';
import { rowToJob } from './typed-job';

/**
 * What this process knows of the jobs it has seen queued or running (a signature of each row's
 * last state) and who waits on them. A job another SegBench process changes is noticed by
 * comparing rows with what was last seen; a job that ends wakes its waiters.
 */
export class JobFollower {
  private readonly seen = new Map<string, string>();
  private readonly doneWaiters = new Map<string, ((job: Job) => void)[]>();
  private idleWaiters: (() => void)[] = [];

  /** Remembers a row this process announced itself, so polling does not announce it again. */
  noteAnnounced(row: JobRow): void {
    if (!isFinalJobStatus(row.status as JobStatus)) this.seen.set(row.id, signature(row));
  }

  forget(id: string): void {
    this.seen.delete(id);
  }

  /** The ids whose rows should be looked at beyond the queued and running ones. */
  followedIds(): string[] {
    return [...this.seen.keys()];
  }

  /** The jobs among `rows` that changed since they were last seen (and ones now gone are forgotten by the caller). */
  changed(rows: Iterable<JobRow>): Job[] {
    const out: Job[] = [];
    for (const row of rows) {
      const now = signature(row);
      if (this.seen.get(row.id) === now) continue;
      const job = rowToJob(row);
      if (isFinalJobStatus(job.status)) this.seen.delete(row.id);
      else this.seen.set(row.id, now);
      out.push(job);
    }
    return out;
  }

  whenDone(id: string): Promise<Job> {
    this.seen.set(id, this.seen.get(id) ?? '');
    return new Promise<Job>((resolve) => this.doneWaiters.set(id, [...(this.doneWaiters.get(id) ?? []), resolve]));
  }

  whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  resolveDone(job: Job): void {
    const waiters = this.doneWaiters.get(job.id) ?? [];
    this.doneWaiters.delete(job.id);
    for (const resolve of waiters) resolve(job);
  }

  resolveIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  get waitingOnIdle(): boolean {
    return this.idleWaiters.length > 0;
  }

  /** Whether anyone in this process waits on a job or on the queue going idle. */
  get waiting(): boolean {
    return this.doneWaiters.size > 0 || this.idleWaiters.length > 0;
  }
}

function signature(row: JobRow): string {
  return `${row.status}|${row.progress ?? ''}|${row.queue_position}|${row.engine_pid ?? ''}`;
}
