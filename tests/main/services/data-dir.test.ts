import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { resolveDataDir } from '../../../src-main/services/data-dir';

test('the data directory: --data-dir, then SEGBENCH_HOME, then Electron userData, then the platform folder', () => {
  const env = { SEGBENCH_HOME: '/srv/segbench' };
  assert.equal(resolveDataDir({ flag: 'rel/dir', env, electronUserData: '/u' }), resolve('rel/dir'));
  assert.equal(resolveDataDir({ env, electronUserData: '/u' }), '/srv/segbench');
  assert.equal(resolveDataDir({ env: {}, electronUserData: '/u' }), '/u');
  assert.equal(resolveDataDir({ env: {}, platform: 'linux' }), join(homedir(), '.config', 'SegBench'));
  assert.equal(resolveDataDir({ env: { XDG_CONFIG_HOME: '/x' }, platform: 'linux' }), join('/x', 'SegBench'));
  assert.equal(resolveDataDir({ env: { APPDATA: 'C:/Users/a/AppData/Roaming' }, platform: 'win32' }), join('C:/Users/a/AppData/Roaming', 'SegBench'));
});
