import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { ApiError } from '../../src-shared/errors';
import { childProcessLauncher } from '../jobs/child-engine';
import { consoleLogger } from '../log';
import { isLoopbackHost, newAccessToken } from '../server/auth';
import { startServer } from '../server/http-server';
import { createAppServices } from '../services/app-services';
import { resolveDataDir } from '../services/data-dir';
import { engineEntry, rendererDir } from './paths';

interface ServeOptions {
  port: number;
  host: string;
  dataDir?: string | undefined;
  open: boolean;
  /** Skip making the sample dataset in a new data directory. */
  noSample?: boolean;
}

/** `segbench serve`: the main-side services in plain Node behind the loopback HTTP+WS transport. */
export async function serve(options: ServeOptions): Promise<void> {
  const dataDir = resolveDataDir({ flag: options.dataDir });
  if (!isLoopbackHost(options.host)) warnExposed(options.host);
  const services = createAppServices({
    dataDir,
    mode: 'serve',
    launcher: childProcessLauncher({ entry: engineEntry }),
    logger: consoleLogger,
  });
  const token = newAccessToken();
  let server;
  try {
    server = await startServer({ services, host: options.host, port: options.port, token, staticDir: rendererDir, logger: consoleLogger });
  } catch (error) {
    await services.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new ApiError('CONFLICT', `Port ${options.port} on ${options.host} is already in use. Pass --port with a free port, or --port 0 for any free port.`);
    }
    throw error;
  }
  const urls = reachableUrls(options.host, server.port, token);
  console.log(`SegBench (data directory ${dataDir}) is serving at:\n\n${urls.map((u) => `  ${u}`).join('\n')}\n`);
  console.log('Open that address in a browser; the token in it is required. Press Ctrl+C to stop.');
  if (options.open) openInBrowser(urls[0] ?? server.url);
  if (!options.noSample) services.samples.createOnFirstStart();

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('SegBench: stopping (the running job gets a few seconds to wind down)...');
    void server
      .close()
      .then(() => services.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The addresses a browser can open. A wildcard bind (0.0.0.0, ::) is no address to open: list this
 * machine's own addresses instead, loopback first.
 */
function reachableUrls(host: string, port: number, token: string, interfaces = networkInterfaces()): string[] {
  const url = (address: string): string => `http://${address.includes(':') ? `[${address}]` : address}:${port}/?token=${token}`;
  if (host !== '0.0.0.0' && host !== '::' && host !== '[::]') return [url(host)];
  const ipv6 = host !== '0.0.0.0';
  const addresses = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' || (ipv6 && a.family === 'IPv6' && !a.address.startsWith('fe80')))
    .sort((a, b) => Number(b.internal) - Number(a.internal))
    .map((a) => a.address);
  return addresses.length > 0 ? addresses.map(url) : [url('127.0.0.1')];
}

function warnExposed(host: string): void {
  const line = '!'.repeat(78);
  console.warn(
    `${line}\n!! WARNING: binding ${host}, which is not loopback. Anyone who can reach this machine\n` +
      '!! and learns the token can read your datasets and start jobs. Use an SSH tunnel to\n' +
      `!! 127.0.0.1 instead unless you trust every machine on this network.\n${line}`,
  );
}

function openInBrowser(url: string): void {
  const command = process.platform === 'win32' ? 'explorer' : process.platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => console.log('(Could not open a browser by itself; open the address above.)'));
    child.unref();
  } catch {
    console.log('(Could not open a browser by itself; open the address above.)');
  }
}
