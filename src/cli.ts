#!/usr/bin/env node
import { tuneHeapForServe } from './heap-tuning';

const argv = process.argv.slice(2);
// First, before the CLI's modules load and allocate (src/heap-tuning.ts).
tuneHeapForServe(argv, process.env);

// Required, not imported, so that it loads after the tuning above (imports are hoisted).
const { runCli } = require('./cli/main') as typeof import('./cli/main');

runCli(argv, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
