#!/usr/bin/env node
// Entry point of the `skyprobe` command: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../lambdas/cli/run.ts');
await runCli(process.argv.slice(2));
