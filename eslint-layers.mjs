// SegBench's layer rule (docs/conventions.md, after VS Code's layer checks): resolves every relative
// import, export-from, dynamic import and require() against the folder it lands in and reports the
// ones that cross a layer the wrong way. Package imports are checked by `no-restricted-imports` in
// eslint.config.mjs, built from `packageBans` below; this rule checks require() of the same packages.
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * The folders of src-main that the engine shares with main, each with why. The engine may import
 * these and nothing else of src-main; they obey the engine's rules themselves (a zone each below,
 * and the engine's package bans), so the engine cannot reach main's services through them.
 */
const engineShared = [
  { folder: 'src-main/geotiff', why: 'GeoTIFF reading and writing, for the engine (training, prediction, indexing) and main (the viewer)' },
  { folder: 'src-main/outputs', why: 'the manifest of files SegBench wrote in a prediction folder: the engine writes it, main checks it before queueing' },
];

const engineWhy = "the engine is plain Node that main forks; it never touches Electron, the database, IPC or main's services";

/**
 * For code in `from`: with `forbidden`, relative imports may not land in any of those folders;
 * with `allowed`, they may land only in those (an allow-list, each entry with why). The first zone
 * whose `from` holds the file applies, so the most specific comes first.
 */
export const zones = [
  { from: 'src-shared', forbidden: ['src-main', 'src-renderer', 'tests', 'bench'], why: 'src-shared is pure TypeScript used by every process' },
  { from: 'src-renderer', forbidden: ['src-main', 'tests', 'bench'], why: 'the renderer talks to main only through src-renderer/api' },
  {
    from: 'src-main/engine',
    allowed: [
      { folder: 'src-main/engine', why: 'its own code' },
      { folder: 'src-shared', why: 'the contract, the job table, the run config and the pure helpers every process shares' },
      ...engineShared,
    ],
    why: engineWhy,
  },
  ...engineShared.map(({ folder }) => ({
    from: folder,
    allowed: [
      { folder: 'src-shared', why: 'pure TypeScript' },
      ...engineShared.map((shared) => ({ folder: shared.folder, why: 'shared with the engine too' })),
    ],
    why: `${folder} is shared with the engine, so it follows the engine's rules: ${engineWhy}`,
  })),
  { from: 'src-main', forbidden: ['src-main/engine', 'src-renderer'], why: 'main forks the engine and never imports its code' },
  {
    from: 'bench',
    forbidden: ['tests'],
    why: "a bench runs on its own and CI never runs one, so a test helper changed for the tests would break it unnoticed; bench/support holds the benches' own helpers",
  },
];

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'stream', 'url', 'util', 'worker_threads'];
const nativePackages = ['better-sqlite3', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'ws'];

/**
 * The packages each layer may not load. eslint.config.mjs turns each entry into a
 * `no-restricted-imports` block for import and export; the layer rule below applies the same
 * lists to require(). A name bans the package and its subpaths (`fs` and `fs/promises`); a
 * pattern is a glob of that rule (`*` within one path segment, matching the specifier or any
 * leading part of it).
 */
export const packageBans = [
  {
    folders: ['src-shared'],
    names: ['electron', 'react', ...nodeBuiltins, ...nativePackages],
    patterns: ['node:*', '@tensorflow/*', 'react-dom', 'react-dom/*'],
    message: 'src-shared is pure TypeScript for every process: no Node, Electron, React or native packages (zod is fine).',
  },
  {
    folders: ['src-renderer'],
    names: ['electron', ...nodeBuiltins, ...nativePackages],
    patterns: ['node:*', '@tensorflow/tfjs-node*'],
    message: 'The renderer runs in a browser sandbox: talk to main through src-renderer/api, never Node or Electron.',
  },
  {
    folders: ['src-main/engine', ...engineShared.map(({ folder }) => folder)],
    names: ['electron', 'better-sqlite3', 'ws'],
    patterns: [],
    message: 'The engine (and what it shares with main) is plain Node forked by main: no Electron, no database (main is its only writer), no transports.',
  },
];

const toPosix = (path) => path.split(sep).join('/');
const inside = (path, folder) => path === folder || path.startsWith(`${folder}/`);

/** The top folder a path lies in, for messages: `src-main/db`, `tests`, `src-main/log.ts`. */
const topFolder = (path) =>
  path
    .split('/')
    .slice(0, path.startsWith('src-main/') ? 2 : 1)
    .join('/');

const globToRegExp = (glob) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}$`);

/** Whether `specifier` (a package, never relative) is one `ban` refuses. */
function banned(specifier, ban) {
  if (ban.names.some((name) => inside(specifier, name))) return true;
  const parts = specifier.split('/');
  const leading = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  return ban.patterns.some((pattern) => leading.some((part) => globToRegExp(pattern).test(part)));
}

/** The text of a string literal or a template literal without expressions; undefined otherwise. */
function literalText(node) {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

export const layersPlugin = {
  rules: {
    layers: {
      meta: {
        type: 'problem',
        schema: [],
        messages: {
          cross: '{{source}} reaches {{target}}: {{why}}.',
          outside: '{{source}} reaches {{target}}, but {{from}} may import only from {{allowed}}: {{why}}.',
          package: "require('{{source}}') loads a package this layer may not use. {{message}}",
        },
      },
      create(context) {
        const root = context.cwd;
        const file = toPosix(relative(root, context.filename));
        const zone = zones.find((candidate) => inside(file, candidate.from));
        const ban = packageBans.find((candidate) => candidate.folders.some((folder) => inside(file, folder)));
        if (!zone && !ban) return {};

        /** A relative specifier against the zone. */
        const checkRelative = (node, source) => {
          if (!zone) return;
          const target = toPosix(relative(root, resolve(dirname(context.filename), source)));
          if (zone.allowed) {
            if (zone.allowed.some(({ folder }) => inside(target, folder))) return;
            const allowed = zone.allowed.map(({ folder }) => folder).join(', ');
            context.report({ node, messageId: 'outside', data: { source, target: topFolder(target), from: zone.from, allowed, why: zone.why } });
            return;
          }
          const hit = zone.forbidden.find((folder) => inside(target, folder));
          if (hit) context.report({ node, messageId: 'cross', data: { source, target: hit, why: zone.why } });
        };
        /** import, export ... from and import(): packages are no-restricted-imports' part. */
        const checkImport = (node) => {
          const source = literalText(node);
          if (source?.startsWith('.')) checkRelative(node, source);
        };
        /** require(): relative paths against the zone, packages against the layer's bans. */
        const checkRequire = (node) => {
          const source = literalText(node);
          if (source === undefined) return;
          if (source.startsWith('.')) checkRelative(node, source);
          else if (ban && banned(source, ban)) context.report({ node, messageId: 'package', data: { source, message: ban.message } });
        };

        const isCreateRequire = (node) =>
          node?.type === 'CallExpression' &&
          ((node.callee.type === 'Identifier' && node.callee.name === 'createRequire') ||
            (node.callee.type === 'MemberExpression' && node.callee.property.type === 'Identifier' && node.callee.property.name === 'createRequire'));
        /** Whether `identifier` names a require made by createRequire: `const load = createRequire(__filename)`. */
        const madeByCreateRequire = (identifier) => {
          for (let scope = context.sourceCode.getScope(identifier); scope; scope = scope.upper) {
            const variable = scope.set.get(identifier.name);
            if (variable) return variable.defs.some((def) => def.type === 'Variable' && isCreateRequire(def.node.init));
          }
          return false;
        };
        const isRequire = (callee) => (callee.type === 'Identifier' && (callee.name === 'require' || madeByCreateRequire(callee))) || isCreateRequire(callee);

        return {
          ImportDeclaration: (node) => checkImport(node.source),
          ExportNamedDeclaration: (node) => checkImport(node.source),
          ExportAllDeclaration: (node) => checkImport(node.source),
          ImportExpression: (node) => checkImport(node.source),
          // `import x = require('...')` in TypeScript.
          TSExternalModuleReference: (node) => checkRequire(node.expression),
          CallExpression: (node) => {
            if (isRequire(node.callee)) checkRequire(node.arguments[0]);
          },
        };
      },
    },
  },
};
