import type { MainToEngine } from '../../src-shared/engine-protocol';

export interface EngineExit {
  code: number | null;
  signal: string | null;
}

/**
 * One engine process as main sees it. Implemented over Node's child_process (serve mode, CLI,
 * tests) and over Electron's utilityProcess (desktop app); nothing above this interface knows which.
 */
export interface EngineProcess {
  readonly pid: number | undefined;
  send(message: MainToEngine): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: EngineExit) => void): void;
  /** Ends the process now (SIGKILL); used after the stop deadline or when it stops answering. */
  kill(): void;
}

export interface EngineLauncher {
  readonly kind: 'child_process' | 'utilityProcess';
  launch(label: string): EngineProcess;
}
