import type { JobFailureCause, JobStatus } from '../../src-shared/jobs';
import type { Db } from '../db/connection';
import { diskFreeText, isDiskFull } from '../db/connection';
import type { Statements } from '../db/statements';
import type { Logger } from '../log';
import { releaseReserve } from '../db/space-reserve';

/** How a job ended, as written to its row. */
interface Ending {
  status: JobStatus;
  reason: string | null;
  result: unknown;
  cause: JobFailureCause | null;
}

/**
 * Writing how jobs end. A job's end and its kind's rows (a run's status) are written in one
 * transaction; an end that cannot be written for lack of space is kept and retried every tick, so
 * the job ends as failed rather than staying `running`.
 */
export class JobEndings {
  private readonly pending: ({ id: string } & Ending)[] = [];

  constructor(
    private readonly db: Db,
    private readonly statements: Statements,
    /** This JobService's owner instance: it ends only jobs it runs. */
    private readonly instance: string,
    private readonly logger: Logger,
    private readonly hooks: {
      /** Inside the end's transaction: the owning service settles its rows. */
      settle: (id: string) => void;
      /** After it: announce the job and wake its waiters. */
      ended: (id: string) => void;
    },
  ) {}

  /** Records how a job this process ran ended; on a full disk, keeps it for retryPending. */
  end(id: string, ending: Ending): void {
    try {
      this.endAndSettle(id, () => this.write(id, ending));
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      // The data directory's space reserve buys the room to say how the job ended, now.
      if (releaseReserve(this.db.name)) {
        this.logger.warn(`[jobs] the disk is full (${diskFreeText(this.db.name)}); the space reserve was released to record how job ${id} ended.`);
        if (this.tryEnd(id, ending)) return;
      }
      const full = `disk full: ${diskFreeText(this.db.name)} Free some space, then resume or start it again.`;
      this.pending.push(
        ending.status === 'finished' || ending.reason?.startsWith('disk full')
          ? { id, ...ending }
          : { id, status: 'failed', reason: full, result: null, cause: { kind: 'storage', diskFull: true } },
      );
      this.logger.error(`[jobs] could not record the end of job ${id}: ${full} Retrying every second.`);
    }
  }

  private tryEnd(id: string, ending: Ending): boolean {
    try {
      this.endAndSettle(id, () => this.write(id, ending));
      return true;
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      return false;
    }
  }

  /** Whether an end waits for room to be written (the process must stay up to write it). */
  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** Writes the ends kept back by a full disk, oldest first; throws (to the tick) while there is no room. */
  retryPending(): void {
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      this.endAndSettle(next.id, () => this.write(next.id, next));
      this.pending.shift();
    }
  }

  /**
   * Writes a job's end with `write` and lets its kind settle its rows in one transaction, so
   * another process never sees the job ended with its run still `running`; then announces it.
   * False if `write` changed nothing (another process ended it first).
   */
  endAndSettle(id: string, write: () => boolean): boolean {
    const ended = this.db.transaction(() => {
      if (!write()) return false;
      this.hooks.settle(id);
      return true;
    })();
    if (ended) this.hooks.ended(id);
    return ended;
  }

  private write(id: string, ending: Ending): boolean {
    return (
      this.statements.jobEndOwned.run({
        id,
        instance: this.instance,
        status: ending.status,
        ended_at: new Date().toISOString(),
        reason: ending.reason,
        result: ending.result === null || ending.result === undefined ? null : JSON.stringify(ending.result),
        cause: ending.cause ? JSON.stringify(ending.cause) : null,
      }).changes === 1
    );
  }
}
