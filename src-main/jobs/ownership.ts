import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Db } from '../db/connection';
import type { JobRow, QueueOwnerRow, Statements } from '../db/statements';

/** Who a process is, as recorded on the queue lock and on every job it runs. */
interface ProcessIdentity {
  /** Unique per JobService: two services in one process (tests) are two owners. */
  instance: string;
  host: string;
  pid: number;
  startedAt: string;
  /** serve, cli, electron, memory: shown in refusals ("running in segbench serve, pid 123"). */
  mode: string;
}

export function currentProcess(mode: string): ProcessIdentity {
  return {
    instance: randomUUID(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    mode,
  };
}

/**
 * True while a process with this pid runs on this machine (EPERM: it exists, owned by another
 * user). A zombie (exited, not yet reaped by its parent) is not alive; Linux tells them apart.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Ends the engine of a job whose owner died, if it still runs: an orphaned engine must not go on
 * writing checkpoints while another process resumes the run. Only a process whose command line
 * names this job (`--segbench-engine <jobId>`) is killed, so a reused pid is never hit; where the
 * command line cannot be read (not Linux) the engine ends by itself when its IPC channel closes.
 */
export function killOrphanedEngine(pid: number | null, jobId: string): boolean {
  if (pid === null || !pidAlive(pid)) return false;
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  if (!commandLine.split('\0').includes(jobId) || !commandLine.includes('--segbench-engine')) return false;
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the owner of a lock or job is gone: its lease has expired, or it ran on this host and
 * its pid no longer exists. A live pid with an expired lease is gone too (a hung or suspended
 * process, or the pid reused by another program).
 */
export function ownerGone(owner: { host: string | null; pid: number | null; lease_until: number | null }, now = Date.now()): boolean {
  if (owner.host === null || owner.pid === null || owner.lease_until === null) return true;
  if (owner.lease_until < now) return true;
  return owner.host === hostname() && !pidAlive(owner.pid);
}

/** "segbench serve (pid 123 on host box, since 2026-12-01T10:00:00Z)" */
export function describeOwner(owner: { mode: string | null; pid: number | null; host: string | null; started_at?: string | null }): string {
  const since = owner.started_at ? `, since ${owner.started_at}` : '';
  return `segbench ${owner.mode ?? '?'} (pid ${owner.pid ?? '?'} on host ${owner.host ?? '?'}${since})`;
}

export function jobOwnerText(row: JobRow): string {
  return describeOwner({ mode: row.owner_mode, pid: row.owner_pid, host: row.owner_host, started_at: row.owner_started_at });
}

/**
 * The lock that lets one process at a time run a data directory's queue: a row in SQLite with a
 * lease. Taking it is one IMMEDIATE transaction, so two processes starting together cannot both
 * win; a crashed owner's lock is taken over once its pid is dead or its lease has run out.
 */
export class QueueLock {
  constructor(
    private readonly db: Db,
    private readonly statements: Statements,
    readonly me: ProcessIdentity,
    private readonly leaseMs: number,
  ) {}

  /** Takes the lock if it is free, stale or already ours; false while another live process holds it. */
  tryAcquire(): boolean {
    return this.db
      .transaction(() => {
        const held = this.statements.queueOwner.get();
        if (held && held.instance !== this.me.instance && !ownerGone(held)) return false;
        this.statements.queueOwnerPut.run({
          instance: this.me.instance,
          host: this.me.host,
          pid: this.me.pid,
          started_at: this.me.startedAt,
          mode: this.me.mode,
          lease_until: Date.now() + this.leaseMs,
        });
        return true;
      })
      .immediate();
  }

  /** Extends the lease; false if the lock is no longer ours (another process took it over). */
  renew(): boolean {
    return this.statements.queueOwnerRenew.run({ instance: this.me.instance, lease_until: Date.now() + this.leaseMs }).changes === 1;
  }

  release(): void {
    this.statements.queueOwnerRelease.run(this.me.instance);
  }

  holder(): QueueOwnerRow | undefined {
    return this.statements.queueOwner.get();
  }

  leaseUntil(): number {
    return Date.now() + this.leaseMs;
  }
}
