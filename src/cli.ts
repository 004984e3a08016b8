#!/usr/bin/env node
import { dropOutputWhenClosed } from './cli/drop-output-when-closed';
import { runCli } from './cli/main';

dropOutputWhenClosed(process.stdout);
dropOutputWhenClosed(process.stderr);
runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
