// Lint, and above all the layer rules of docs/architecture.md, enforced per folder:
//   src/core      pure domain logic: no Node modules, no I/O, no vscode, nothing of ours but core
//   src/protocol  the wire types: imports nothing of ours
//   src/store     SQLite: core only (plus better-sqlite3 and node:)
//   src/server    transports and composition: no vscode, extension or CLI
//   src/cli, src/sdk   no vscode, no extension
//   webview/      browser bundles: of ours only src/protocol and the shared format module
//   vscode        only in src/extension
// Import paths are matched as written (gitignore-style globs), so the groups name folders the
// way relative imports spell them.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

/** no-restricted-imports options from [message, globs] groups plus exact module names. */
function restrict({ paths = [], groups = [], regexes = [] }) {
  const patterns = [...groups.map(([message, group]) => ({ group, message })), ...regexes.map(([message, regex]) => ({ regex, message }))];
  return ['error', { paths, patterns }];
}

const vscodeOnlyInExtension = { name: 'vscode', message: 'Only src/extension may import vscode.' };
const noNode = [
  'Pure layer: no Node modules (no I/O here; pass data in from src/server or src/cli).',
  ['node:*', ...nodeBuiltins, ...nodeBuiltins.map((m) => `${m}/*`)],
];
const ours = (...folders) => folders.flatMap((f) => [`**/${f}`, `**/${f}/**`]);

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.cache/**', 'sample-agent/**', 'test-results/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // A closure that reads a variable assigned once, later (a client's error handler and the
      // session it belongs to), is not a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-imports': restrict({ paths: [vscodeOnlyInExtension] }),
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [vscodeOnlyInExtension],
        groups: [
          noNode,
          [
            'src/core is the innermost layer: it imports nothing from protocol, store, server, cli, extension or sdk (build DTOs in src/server).',
            ours('protocol', 'store', 'server', 'cli', 'extension', 'sdk'),
          ],
        ],
      }),
    },
  },
  {
    files: ['src/core/format.ts'],
    rules: {
      // Shared with the webview bundles: it must not even reach the rest of core.
      'no-restricted-imports': ['error', { patterns: [{ group: ['*', '.*', '**'], message: 'src/core/format.ts imports nothing: the webviews bundle it.' }] }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [vscodeOnlyInExtension],
        groups: [
          noNode,
          ['src/protocol is the wire contract: it imports nothing of ours.', ours('core', 'store', 'server', 'cli', 'extension', 'sdk', 'webview')],
        ],
      }),
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [vscodeOnlyInExtension],
        groups: [['src/store imports only src/core (plus better-sqlite3 and node:).', ours('protocol', 'server', 'cli', 'extension', 'sdk')]],
      }),
    },
  },
  {
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [vscodeOnlyInExtension],
        groups: [['src/server must not depend on the editor or the CLI shells.', ours('extension', 'cli')]],
      }),
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/sdk/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [vscodeOnlyInExtension],
        groups: [['The CLI and the SDK processors run outside VS Code: no src/extension.', ours('extension')]],
      }),
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [vscodeOnlyInExtension],
        groups: [['Webviews run in a browser: no Node modules.', noNode[1]]],
        regexes: [
          [
            'webview/ imports, of ours, only src/protocol and src/core/format (the host sends everything else as messages).',
            // A regex, because a gitignore-style negation cannot re-admit a file under an excluded folder.
            '(^|/)src/(?!protocol(/|$)|core/format$)',
          ],
        ],
      }),
    },
  },
);
