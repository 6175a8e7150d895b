import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { methods } from '../../../src-shared/contract';
import type { MethodName } from '../../../src-shared/contract';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { writeImage, writeIndexMask } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

// Issue 27 F9: error messages repeated a megabyte a client sent (an id, a path, a key) in full.
// Every method of the contract is called with 1 MB in each of its string fields, in turn, with
// real ids in the others, so handlers get past "no such dataset" to what they check next.

const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

const huge = `/${'y'.repeat(1_000_000)}`;
/** A run of 100 characters of the value: what an error message must never hold. */
const echoed = /y{100}/;
const ids: { datasetId: string; runId: string; imageId: number } = { datasetId: '', runId: 'r1', imageId: 0 };

before(async () => {
  const root = tempDir();
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  await writeImage(join(root, 'images', 'a.jpg'), 4, 4);
  await writeIndexMask(join(root, 'masks', 'a.png'), 4, 4, new Array<number>(16).fill(1));
  const summary = await api.invoke('datasets:import', { name: 'tiny', imagesDir: join(root, 'images'), masksDir: join(root, 'masks'), preset: 'none' });
  await services.jobs.whenIdle();
  ids.datasetId = summary.id;
  ids.imageId = (await api.invoke('datasets:images', { datasetId: summary.id })).items[0]!.id;
  // A finished run with a best checkpoint on disk, so run methods go on to check their other fields.
  const runDir = tempDir();
  mkdirSync(join(runDir, 'best'));
  writeFileSync(join(runDir, 'best', 'checkpoint.json'), '{}');
  services.db
    .prepare(
      `INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, run_dir, class_names)
       VALUES ('r1', 'baseline', ?, 'unet', '{}', 'finished', '2026-01-01T00:00:00Z', ?, '["a","b"]')`,
    )
    .run(summary.id, runDir);
});

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  in?: unknown;
  options?: unknown[];
  entries?: Record<string, string>;
  values?: unknown[];
  items?: unknown[];
}
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let i = 0; i < 16; i += 1) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** A plausible value of a schema: real ids by field name, else the smallest of each kind. */
function sample(schema: unknown, key = ''): unknown {
  if (key in ids) return ids[key as keyof typeof ids];
  const inner = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case 'string':
      return 'x';
    case 'number':
      return Math.max(1, (inner as { minValue?: number | null }).minValue ?? 1);
    case 'boolean':
      return false;
    case 'enum':
      return Object.values(def.entries ?? {})[0];
    case 'literal':
      return def.values?.[0];
    case 'array':
      return [sample(def.element)];
    case 'object':
      return Object.fromEntries(
        Object.entries(def.shape ?? {})
          .filter(([, field]) => !['optional', 'default'].includes(defOf(field).type))
          .map(([name, field]) => [name, sample(field, name)]),
      );
    case 'union':
      return sample(def.options?.[0], key);
    case 'tuple':
      return (def.items ?? []).map((item) => sample(item));
    default:
      return {};
  }
}

/** Where a string may stand in a request: paths through objects, arrays (first element) and unions. */
function stringPaths(schema: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (prefix.length > 6) return [];
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case 'string':
    case 'enum':
    case 'literal':
      return [prefix];
    case 'array':
      return stringPaths(def.element, [...prefix, 0]);
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([name, field]) => stringPaths(field, [...prefix, name]));
    case 'union':
      return (def.options ?? []).flatMap((option) => stringPaths(option, prefix));
    default:
      return [];
  }
}

function withValueAt(base: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const root = structuredClone(base ?? {}) as Record<string | number, unknown>;
  let current = root;
  path.forEach((key, i) => {
    if (i === path.length - 1) current[key] = value;
    else {
      if (typeof current[key] !== 'object' || current[key] === null) current[key] = typeof path[i + 1] === 'number' ? [] : {};
      current = current[key] as Record<string | number, unknown>;
    }
  });
  return root;
}

async function errorOf(method: string, payload: unknown): Promise<string | null> {
  const reply = await services.dispatch(method, payload);
  await services.jobs.whenIdle();
  return reply.ok ? null : reply.error.message;
}

test('1 MB in any string field of any method: the error quotes at most 80 characters of it and says how long it was', async () => {
  const tooLong: string[] = [];
  let refused = 0;
  for (const [method, { request }] of Object.entries(methods)) {
    const base = sample(request);
    for (const path of stringPaths(request)) {
      // A path at its end (trailing slash) and padded with spaces: resolved and trimmed, not copied.
      for (const value of [huge, `${huge}/`, `  ${huge}  `]) {
        const message = await errorOf(method, withValueAt(base, path, value));
        if (message === null) continue;
        refused += 1;
        if (message.length > 2_000 || echoed.test(message)) tooLong.push(`${method} ${path.join('.')}: ${message.length} characters: ${message.slice(0, 120)}`);
      }
    }
  }
  assert.deepEqual(tooLong, []);
  assert.ok(refused > 200, `only ${refused} requests were refused`);
});

test('the errors that named the value before say which value, cut, and how long it was', async () => {
  const cases: [MethodName, unknown, RegExp][] = [
    ['jobs:get', { jobId: huge }, /^No job with id \/y{79}… \(1000001 characters\)\.$/],
    ['datasets:get', { datasetId: huge }, /^No dataset with id \/y{79}… \(1000001 characters\)\.$/],
    ['runs:get', { runId: huge }, /^No run with id \/y{79}…/],
    ['datasets:scan', { imagesDir: huge }, /^The images folder \/y{79}… \(1000001 characters\) does not exist\./],
    ['datasets:import', { name: 'big', imagesDir: `${huge}/` }, /^The images folder \/y{79}… \(1000002 characters\) does not exist\./],
    [
      'datasets:exportCorrected',
      { datasetId: ids.datasetId, dir: huge.slice(1) },
      /^The export folder must be an absolute path; got "y{80}… \(1000000 characters\)"\.$/,
    ],
  ];
  for (const [method, payload, expected] of cases) {
    await assert.rejects(api.invoke(method, payload as never), (error: Error) => {
      assert.match(error.message, expected, method);
      return true;
    });
  }
});

test('unknown keys, an unknown method and 250 bad values: each error stays short', async () => {
  const key = await errorOf('runs:get', { runId: 'r1', [huge]: 1 });
  assert.match(
    key ?? '',
    /^Invalid request for runs:get: request: Unrecognized key: "\/y{78}… \(1000003 characters\) \(got \{"runId":"r1","\/y+… \(1000020 characters\)\)$/,
  );
  const keys = await errorOf('jobs:list', Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`key${i}${'k'.repeat(1_000)}`, i])));
  assert.ok(keys !== null && keys.length < 2_000, `${keys?.length} characters`);
  assert.match(keys, /Unrecognized keys: .* and 990 more \(got \{"key0k+… \(1012781 characters\)\)$/);
  const method = await errorOf(huge, {});
  assert.ok(method !== null && method.length < 2_000 && !echoed.test(method));
  assert.match(method, /^Unknown method "\/y{78}… \(1000003 characters\)\. Valid methods: /);
  const values = await errorOf('datasets:setClasses', { datasetId: ids.datasetId, classes: Array.from({ length: 250 }, () => huge) });
  assert.ok(values !== null && values.length < 2_000, `${values?.length} characters`);
  assert.ok(!echoed.test(values));
  assert.match(values, /^Invalid request for datasets:setClasses: classes\.0: .*; and 240 more problems$/);
});
