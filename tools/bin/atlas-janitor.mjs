#!/usr/bin/env node
// Package bin: runs the TypeScript CLI through tsx so no build step is needed. The package is not
// "type": "module", so tsx compiles the .ts files to CommonJS: their imports go through require(), which
// only tsx's CJS hook resolves (extensionless, directory index). Register both hooks.
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
registerCjs();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
