import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log';

/**
 * Renews this process's leases (the queue lock and its running jobs) from a worker thread with its
 * own SQLite connection, so that a main thread busy for a long time (a slow request, a hostile
 * pattern, a huge folder scan) does not lose the queue: the 20 s lease used to depend on the event
 * loop being free, and another process then took the queue, killed the live engine and marked its
 * run crashed while this process was alive.
 *
 * The worker renews only rows that name this process's instance, so a lock that main released or
 * that another process took over is never touched. A main thread that has not ticked for
 * `maxStallMs` is taken for hung, and the worker stops renewing, so such a process still loses the
 * queue, just later than a merely busy one.
 */
export class LeaseKeeper {
  private readonly worker: Worker | null;
  /** Main's last tick (ms since the epoch), read by the worker. */
  private readonly mainTick: BigInt64Array;

  constructor(options: {
    dbPath: string;
    instance: string;
    leaseMs: number;
    tickMs: number;
    maxStallMs?: number;
    nativeBinding?: string | undefined;
    logger: Logger;
  }) {
    this.mainTick = new BigInt64Array(new SharedArrayBuffer(8));
    this.beat();
    let worker: Worker | null = null;
    try {
      const sqlite = createRequire(__filename).resolve('better-sqlite3');
      worker = new Worker(workerSource, {
        eval: true,
        workerData: {
          sqlite,
          dbPath: options.dbPath,
          instance: options.instance,
          leaseMs: options.leaseMs,
          tickMs: options.tickMs,
          maxStallMs: options.maxStallMs ?? Math.max(120_000, options.leaseMs * 6),
          nativeBinding: options.nativeBinding ?? null,
          mainTick: this.mainTick,
        },
      });
      worker.unref();
      worker.on('error', (error) => options.logger.warn(`[jobs] the lease keeper stopped (${error.message}); leases are renewed by the main thread only`));
    } catch (error) {
      options.logger.warn(
        `[jobs] no lease keeper thread (${error instanceof Error ? error.message : String(error)}); leases are renewed by the main thread only`,
      );
    }
    this.worker = worker;
  }

  /** Main's tick: it is alive. */
  beat(): void {
    Atomics.store(this.mainTick, 0, BigInt(Date.now()));
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.terminate();
  }
}

// Plain JavaScript run by the worker (eval), so it needs no bundle entry of its own.
const workerSource = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const { dbPath, instance, leaseMs, tickMs, maxStallMs, nativeBinding, mainTick } = workerData;
let db = null;
function open() {
  if (db) return db;
  db = new Database(dbPath, nativeBinding ? { nativeBinding } : {});
  db.pragma('busy_timeout = 2000');
  return db;
}
setInterval(() => {
  const now = Date.now();
  if (now - Number(Atomics.load(mainTick, 0)) > maxStallMs) return;
  try {
    const conn = open();
    const until = now + leaseMs;
    conn.prepare('UPDATE queue_owner SET lease_until = ? WHERE id = 1 AND instance = ?').run(until, instance);
    conn.prepare("UPDATE jobs SET lease_until = ? WHERE status = 'running' AND owner_instance = ?").run(until, instance);
  } catch {
    // A busy or full database: the next tick tries again; main still renews when it can.
  }
}, tickMs);
`;
