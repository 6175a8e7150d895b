// electron is an optional dependency: its install step downloads the Electron binary, which fails
// on machines without access to GitHub, and npm then drops the package, types included. The
// Electron shell is still type-checked: fetch the same version's tarball from the npm registry
// and unpack only its type declarations into node_modules/electron.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const target = join('node_modules', 'electron');
if (existsSync(join(target, 'electron.d.ts'))) process.exit(0);

const version = JSON.parse(readFileSync('package.json', 'utf8')).optionalDependencies.electron;
const work = mkdtempSync(join(tmpdir(), 'segbench-electron-types-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tarball = execFileSync(npm, ['pack', `electron@${version}`, '--silent'], { cwd: work, encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
execFileSync('tar', ['-xzf', tarball, 'package/electron.d.ts'], { cwd: work });
mkdirSync(target, { recursive: true });
copyFileSync(join(work, 'package', 'electron.d.ts'), join(target, 'electron.d.ts'));
// Types only: no `main`, so require('electron') still fails and SegBench knows Electron is absent.
writeFileSync(join(target, 'package.json'), JSON.stringify({ name: 'electron', version, types: 'electron.d.ts' }, null, 2));
console.log(`electron ${version}: type declarations unpacked into ${target} (binary not installed)`);
