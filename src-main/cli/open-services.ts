import { childProcessLauncher } from '../jobs/child-engine';
import type { Logger } from '../log';
import { createAppServices } from '../services/app-services';
import type { AppServices } from '../services/app-services';
import { resolveDataDir } from '../services/data-dir';
import { engineEntry } from './paths';

/**
 * Log lines of a one-shot command (engine jobs' own lines among them) go to stderr, with the
 * progress: stdout holds only what the command answers, so that --json output parses.
 */
const commandLogger: Logger = {
  info: (message) => console.error(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/** The services for a one-shot command, on the same data directory as the app. */
export function openServices(dataDir: string | undefined): AppServices {
  return createAppServices({
    dataDir: resolveDataDir({ flag: dataDir }),
    mode: 'cli',
    launcher: childProcessLauncher({ entry: engineEntry }),
    logger: commandLogger,
  });
}
