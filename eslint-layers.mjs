// SegBench's layer rule (docs/conventions.md, after VS Code's layer checks): resolves every relative
// import against the folder it lands in and reports the ones that cross a layer the wrong way.
// Package imports are checked by `no-restricted-imports` in eslint.config.mjs.
import { dirname, relative, resolve, sep } from 'node:path';

/** For code in `from`, relative imports may not land in any of `forbidden`. Most specific zone first. */
export const zones = [
  { from: 'src-shared', forbidden: ['src-main', 'src-renderer', 'tests', 'bench'], why: 'src-shared is pure TypeScript used by every process' },
  { from: 'src-renderer', forbidden: ['src-main', 'tests', 'bench'], why: 'the renderer talks to main only through src-renderer/api' },
  {
    from: 'src-main/engine',
    forbidden: [
      'src-main/app',
      'src-main/db',
      'src-main/ipc',
      'src-main/server',
      'src-main/services',
      'src-main/cli',
      'src-main/jobs',
      'src-main/datasets',
      'src-main/runs',
      'src-main/inspect',
      'src-main/files',
      'src-renderer',
    ],
    why: "the engine is plain Node that main forks; it never touches Electron, the database, IPC or main's services",
  },
  { from: 'src-main', forbidden: ['src-main/engine', 'src-renderer'], why: 'main forks the engine and never imports its code' },
];

const toPosix = (path) => path.split(sep).join('/');
const inside = (path, folder) => path === folder || path.startsWith(`${folder}/`);

export const layersPlugin = {
  rules: {
    layers: {
      meta: { type: 'problem', schema: [], messages: { cross: '{{source}} reaches {{target}}: {{why}}.' } },
      create(context) {
        const root = context.cwd;
        const file = toPosix(relative(root, context.filename));
        const zone = zones.find((candidate) => inside(file, candidate.from));
        if (!zone) return {};
        const check = (node) => {
          const source = node?.value;
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const target = toPosix(relative(root, resolve(dirname(context.filename), source)));
          const hit = zone.forbidden.find((folder) => inside(target, folder));
          if (hit) context.report({ node, messageId: 'cross', data: { source, target: hit, why: zone.why } });
        };
        return {
          ImportDeclaration: (node) => check(node.source),
          ExportNamedDeclaration: (node) => check(node.source),
          ExportAllDeclaration: (node) => check(node.source),
          ImportExpression: (node) => check(node.source),
        };
      },
    },
  },
};
