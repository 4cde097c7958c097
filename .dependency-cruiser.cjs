/**
 * Import rules `npm test` enforces (dependency-cruiser). Why each rule exists is in its comment.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const fs = require('node:fs');
const path = require('node:path');

/** The lib/ folders that have a public face (an index.ts); a folder without one is a bag of modules. */
const FOLDERS_WITH_INDEX = fs
  .readdirSync(path.join(__dirname, 'lib'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(__dirname, 'lib', entry.name, 'index.ts')))
  .map((entry) => entry.name);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle makes load order matter and hides which module owns what: put the shared helper where both sides can import it.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-imports-no-tooling',
      severity: 'error',
      comment: 'lib/ and functions/ are bundled into the Lambdas: the simulator, CLI, benches and tests stay out of them.',
      from: { path: '^(lib|functions)/' },
      to: { path: '^(tools|bench|test)/' },
    },
    {
      name: 'enter-a-folder-through-its-index',
      severity: 'error',
      comment: "A lib/ folder with an index.ts is used through it (its public face), never by reaching into its files from outside.",
      from: { path: '^(lib/[^/]+|functions|tools|bench)/' },
      to: { path: `^lib/(${FOLDERS_WITH_INDEX.join('|')})/(?!index\\.ts$)`, pathNot: '^$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(lib|functions|tools|bench|test)/',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
