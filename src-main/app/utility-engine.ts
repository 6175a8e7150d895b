import { utilityProcess } from 'electron';
import type { EngineExit, EngineLauncher, EngineProcess } from '../jobs/engine-host';

/**
 * The desktop app's engine launcher: Electron's utilityProcess, so a crash or out-of-memory in
 * TensorFlow ends only that process, never the window.
 */
export function utilityProcessLauncher(entry: string): EngineLauncher {
  return {
    kind: 'utilityProcess',
    launch(label: string): EngineProcess {
      const child = utilityProcess.fork(entry, ['--segbench-engine', label], {
        serviceName: `SegBench engine ${label}`,
        stdio: 'inherit',
        env: { ...process.env, TF_FORCE_GPU_ALLOW_GROWTH: 'true' },
      });
      let exited: EngineExit | null = null;
      const exitListeners: ((exit: EngineExit) => void)[] = [];
      child.on('exit', (code) => {
        exited = { code, signal: null };
        for (const listener of exitListeners) listener(exited);
      });
      return {
        get pid() {
          return child.pid;
        },
        send(message) {
          if (!exited) child.postMessage(message);
        },
        onMessage(listener) {
          child.on('message', listener);
        },
        onExit(listener) {
          if (exited) listener(exited);
          else exitListeners.push(listener);
        },
        kill() {
          if (!exited) child.kill();
        },
      };
    },
  };
}
