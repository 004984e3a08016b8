'use strict';
// The servers the bench measures, as it starts them: `serve` with the Node flags the container image sets, on a
// fresh store of the bench's images; the bare Express baseline.
const fs = require('node:fs');
const path = require('node:path');
const { CLI, runCli } = require('./cli');
const { prepareBenchImages } = require('./prepare-bench-images');

const ROOT = path.resolve(__dirname, '../..');
const WORK = path.join(ROOT, 'bench/.work');
const POLICY = path.join(ROOT, 'policy/sample-policy.yaml');

/** The Node flags the container image sets (its `ENV NODE_OPTIONS=…`), so serve is measured as it is deployed. */
function imageNodeFlags() {
  const m = /^ENV NODE_OPTIONS=(\S+)/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  return m ? m[1].split(' ') : [];
}

/** `serve` on `db` under `policy`, with `flags` (by default the image's). */
function serveArgs(db, policy = POLICY, flags = imageNodeFlags()) {
  return (port) => [...flags, CLI, '--db', db, 'serve', '--policy', policy, '--listen', `127.0.0.1:${port}`];
}

/** The bare Express 5 route that reads and `JSON.parse`s the body itself (bench/baseline-server.js). */
function baselineArgs(port) {
  return [path.join(ROOT, 'bench/baseline-server.js'), '--listen', `127.0.0.1:${port}`];
}

/** The same routes on a server whose requests are born with Express's prototypes, as `serve` builds its own. */
function classedBaselineArgs(port) {
  return [...baselineArgs(port), '--server-classes'];
}

/** A migrated store under bench/.work/ with the bench's images approved and scanned. */
function freshStore(name) {
  const file = path.join(WORK, name);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  runCli(file, ['migrate']);
  prepareBenchImages(file, WORK);
  return file;
}

module.exports = { POLICY, WORK, baselineArgs, classedBaselineArgs, freshStore, imageNodeFlags, serveArgs };
