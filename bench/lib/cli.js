'use strict';
// Runs the built CLI (dist/cli.js) as a user would.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const CLI = path.resolve(__dirname, '../../dist/cli.js');

/** Runs `image-reviewer --db DB ...args`; throws with stderr when it exits non-zero (unless allowFail). */
function runCli(db, args, { allowFail = false } = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, '--db', db, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0 && !allowFail) {
    throw new Error(`image-reviewer ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
}

module.exports = { CLI, runCli };
