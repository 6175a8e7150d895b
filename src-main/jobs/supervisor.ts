import { isEngineToMain, assertNever } from '../../src-shared/engine-protocol';
import type { EngineData, EngineToMain } from '../../src-shared/engine-protocol';
import type { JobFailureCause, JobKind } from '../../src-shared/jobs';
import type { Logger } from '../log';
import type { EngineExit, EngineLauncher } from './engine-host';

export type EngineOutcome =
  { status: 'finished'; result: unknown } | { status: 'failed'; reason: string; cause: JobFailureCause } | { status: 'cancelled'; reason: string };

interface SupervisorHooks {
  onStarted(pid: number | null): void;
  onHeartbeat(): void;
  onProgress(done: number, total: number, message: string, etaSeconds?: number | null): void;
  onData(data: EngineData): void;
}

interface SupervisorOptions {
  /** No message from the engine for this long means it hangs: it is killed and the job fails. */
  heartbeatTimeoutMs: number;
  /** After a stop request, how long the engine has to wind down before it is killed. */
  stopDeadlineMs: number;
  logger: Logger;
}

export interface SupervisedJob {
  /** Asks the engine to stop, waits `stopDeadlineMs`, then kills it. Resolves when it has exited. */
  stop(): Promise<EngineOutcome>;
  /** Kills the engine at once; the outcome is `failed` with this reason and cause. */
  abort(reason: string, cause: JobFailureCause): Promise<EngineOutcome>;
  readonly outcome: Promise<EngineOutcome>;
  readonly pid: number | null;
}

/**
 * Runs one job in a fresh engine process and turns everything that can happen to that process
 * (clean end, engine-side error, crash, kill -9, hang, stop request) into exactly one outcome.
 * The outcome is settled only once the process has exited, so the next job never overlaps it.
 */
export function superviseEngineJob(
  launcher: EngineLauncher,
  job: { id: string; kind: JobKind; params: unknown },
  hooks: SupervisorHooks,
  options: SupervisorOptions,
): SupervisedJob {
  const engine = launcher.launch(job.id);
  const pid = engine.pid ?? null;
  const prefix = `[engine job=${job.id} pid=${pid ?? '?'}]`;
  let reported: EngineOutcome | null = null;
  let stopRequested = false;
  let hungFor: number | null = null;
  let aborted: { reason: string; cause: JobFailureCause } | null = null;
  let lastMessageAt = Date.now();
  let stopTimer: NodeJS.Timeout | null = null;

  const watchInterval = Math.min(1000, Math.max(50, options.heartbeatTimeoutMs / 4));
  let lastWatch = Date.now();
  const watchdog = setInterval(() => {
    // A late tick means this thread was busy (a long request): the engine's messages wait
    // behind this timer, so the stall is main's, not the engine's, and does not count.
    const now = Date.now();
    const late = now - lastWatch - watchInterval;
    lastWatch = now;
    if (late > 1000) lastMessageAt += late;
    const silentMs = now - lastMessageAt;
    if (silentMs > options.heartbeatTimeoutMs && hungFor === null) {
      hungFor = silentMs;
      options.logger.warn(`${prefix} no heartbeat for ${Math.round(silentMs / 1000)}s; killing it`);
      engine.kill();
    }
  }, watchInterval);

  const outcome = new Promise<EngineOutcome>((resolve) => {
    engine.onExit((exit) => {
      clearInterval(watchdog);
      if (stopTimer) clearTimeout(stopTimer);
      resolve(settle(exit));
    });
  });

  function settle(exit: EngineExit): EngineOutcome {
    if (aborted !== null) return { status: 'failed', ...aborted };
    if (hungFor !== null) {
      return {
        status: 'failed',
        reason: `The engine stopped responding (no heartbeat for ${Math.round(hungFor / 1000)} s) and was stopped.`,
        cause: { kind: 'heartbeat-timeout', silentSeconds: Math.round(hungFor / 1000) },
      };
    }
    if (reported) return reported;
    if (stopRequested) {
      return { status: 'cancelled', reason: 'Stopped by user; the engine did not stop in time and was ended.' };
    }
    const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
    options.logger.error(`${prefix} ${how}`);
    return {
      status: 'failed',
      reason: `The engine process ${how} before the job ended (a crash, out of memory, or killed from outside).`,
      cause:
        exit.signal === 'SIGABRT' || exit.code === 134
          ? { kind: 'out-of-memory' }
          : exit.signal
            ? { kind: 'signal', signal: exit.signal }
            : { kind: 'exit', code: exit.code },
    };
  }

  engine.onMessage((raw) => {
    lastMessageAt = Date.now();
    if (!isEngineToMain(raw)) {
      options.logger.warn(`${prefix} ignored an unknown message: ${JSON.stringify(raw)}`);
      return;
    }
    handle(raw);
  });

  function handle(message: EngineToMain): void {
    switch (message.type) {
      case 'ready':
        hooks.onStarted(message.pid);
        engine.send({ type: 'start', job });
        return;
      case 'heartbeat':
        hooks.onHeartbeat();
        return;
      case 'progress':
        hooks.onProgress(
          message.done,
          message.total,
          message.message,
          typeof message.etaSeconds === 'number' || message.etaSeconds === null ? message.etaSeconds : undefined,
        );
        return;
      case 'log':
        options.logger[message.level](`${prefix} ${message.message}`);
        return;
      case 'data':
        hooks.onData(message.payload);
        return;
      case 'finished':
        reported = { status: 'finished', result: message.result };
        return;
      case 'failed':
        reported = { status: 'failed', reason: message.error.message, cause: { kind: 'engine-error', code: message.error.code } };
        return;
      case 'cancelled':
        reported = { status: 'cancelled', reason: 'Stopped by user.' };
        return;
      default:
        assertNever(message, 'engine message');
    }
  }

  return {
    pid,
    outcome,
    abort(reason: string, cause: JobFailureCause) {
      aborted ??= { reason, cause };
      engine.kill();
      return outcome;
    },
    stop() {
      if (!stopRequested) {
        stopRequested = true;
        engine.send({ type: 'cancel' });
        stopTimer = setTimeout(() => {
          options.logger.warn(`${prefix} did not stop within ${options.stopDeadlineMs} ms; killing it`);
          engine.kill();
        }, options.stopDeadlineMs);
      }
      return outcome;
    },
  };
}
