import { childProcessLauncher } from '../jobs/child-engine';
import { consoleLogger } from '../log';
import { createAppServices } from '../services/app-services';
import type { AppServices } from '../services/app-services';
import { resolveDataDir } from '../services/data-dir';
import { engineEntry } from './paths';

/** The services for a one-shot command, on the same data directory as the app. */
export function openServices(dataDir: string | undefined): AppServices {
  return createAppServices({
    dataDir: resolveDataDir({ flag: dataDir }),
    mode: 'cli',
    launcher: childProcessLauncher({ entry: engineEntry }),
    logger: consoleLogger,
  });
}
