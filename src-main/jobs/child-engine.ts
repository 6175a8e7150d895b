import { fork } from 'node:child_process';
import type { EngineExit, EngineLauncher, EngineProcess } from './engine-host';

interface ChildEngineOptions {
  /** The engine entry file: out/engine/engine.cjs when built, the .ts source under tsx in tests. */
  entry: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Runs the engine as a Node child process with an IPC channel (serve mode, CLI, tests). */
export function childProcessLauncher(options: ChildEngineOptions): EngineLauncher {
  return {
    kind: 'child_process',
    launch(label: string): EngineProcess {
      const child = fork(options.entry, ['--segbench-engine', label], {
        execArgv: options.execArgv ?? [],
        env: { ...process.env, ...options.env, TF_FORCE_GPU_ALLOW_GROWTH: 'true' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      const exitListeners: ((exit: EngineExit) => void)[] = [];
      let exited: EngineExit | null = null;
      const finish = (exit: EngineExit): void => {
        if (exited) return;
        exited = exit;
        for (const listener of exitListeners) listener(exit);
      };
      child.on('exit', (code, signal) => finish({ code, signal }));
      // A fork that cannot start at all (missing entry, EMFILE) reports through 'error'.
      child.on('error', (error) => {
        if (child.exitCode === null && child.signalCode === null && child.pid === undefined) {
          finish({ code: null, signal: `spawn failed: ${error.message}` });
        }
      });
      return {
        get pid() {
          return child.pid;
        },
        send(message) {
          if (child.connected) child.send(message);
        },
        onMessage(listener) {
          child.on('message', listener);
        },
        onExit(listener) {
          if (exited) listener(exited);
          else exitListeners.push(listener);
        },
        kill() {
          if (!exited) child.kill('SIGKILL');
        },
      };
    },
  };
}
