#!/usr/bin/env node
// Package bin: runs the TypeScript CLI through tsx so no build step is needed. The package is not
// "type": "module", so tsx compiles the .ts files to CommonJS: their imports go through require(), which
// only tsx's CJS hook resolves (extensionless, directory index). Register both hooks.
//
// `npx atlas-janitor` and npm scripts put node_modules/.bin first on PATH, so this runs on the Node 24
// that `npm ci` installs; an older Node (the file run directly) fails in the middle of loading, so say why.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`atlas-janitor: needs Node 24 or later, this is ${process.version}; run it as npx atlas-janitor (npm ci installs Node 24 for it)`);
  process.exit(2);
}
const { register: registerCjs } = await import('tsx/cjs/api');
const { register } = await import('tsx/esm/api');

register();
registerCjs();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
