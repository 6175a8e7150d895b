import { join } from 'node:path';
import { BrowserWindow, app, dialog, ipcMain, nativeTheme, protocol, shell } from 'electron';
import { methodNames } from '../../src-shared/contract';
import { consoleLogger } from '../log';
import { createAppServices } from '../services/app-services';
import type { AppServices } from '../services/app-services';
import { resolveDataDir } from '../services/data-dir';
import { protocolFileHandler } from './protocol-files';
import { utilityProcessLauncher } from './utility-engine';

/**
 * The thin Electron shell: one window, the preload bridge, and IPC handlers generated from the
 * contract. Everything else is the same services that `segbench serve` runs.
 */
const outDir = join(__dirname, '..');
let services: AppServices | null = null;

// segbench://files/<kind>/<imageId> serves thumbnails and images to the sandboxed renderer, the
// same files serve mode answers at /files/...; it must be declared before the app is ready.
protocol.registerSchemesAsPrivileged([
  { scheme: 'segbench', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
]);

function serveFiles(ready: AppServices): void {
  protocol.handle('segbench', protocolFileHandler(ready.files));
}

function dataDirFromArgs(argv: string[]): string | undefined {
  const index = argv.indexOf('--data-dir');
  return index >= 0 ? argv[index + 1] : undefined;
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    title: 'SegBench',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15181d' : '#f6f7f9',
    webPreferences: {
      preload: join(outDir, 'app', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  // Links leave the app for the system browser; the window never navigates away from the UI.
  window.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  void window.loadFile(join(outDir, 'renderer', 'index.html'));
}

async function boot(): Promise<void> {
  await app.whenReady();
  try {
    services = createAppServices({
      dataDir: resolveDataDir({ flag: dataDirFromArgs(process.argv), electronUserData: app.getPath('userData') }),
      mode: 'electron',
      launcher: utilityProcessLauncher(join(outDir, 'engine', 'engine.cjs')),
      logger: consoleLogger,
      // Set by `segbench start` when running from source; packaged apps carry an Electron build.
      sqliteBinding: process.env.SEGBENCH_SQLITE_BINDING,
    });
  } catch (error) {
    dialog.showErrorBox('SegBench cannot open its data', error instanceof Error ? error.message : String(error));
    app.exit(1);
    return;
  }
  const ready = services;
  serveFiles(ready);
  for (const method of methodNames) {
    ipcMain.handle(method, (_event, payload: unknown) => ready.dispatch(method, payload));
  }
  ready.events.onAny((event, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send(event, payload);
  });
  createWindow();
  ready.samples.createOnFirstStart();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !services) return;
  event.preventDefault();
  quitting = true;
  void services.close().finally(() => app.quit());
});

void boot();
