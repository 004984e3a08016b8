'use strict';
// The seeded store is expensive (minutes for 10M decisions), so it is built once per size under
// bench/.work/ (gitignored) and copied for each run: every run then starts from the same file.
const fs = require('node:fs');
const path = require('node:path');
const { seedStore } = require('../seed-store');

function seededStorePath(workDir, approvals, decisions) {
  return path.join(workDir, `seed-v2-a${approvals}-d${decisions}.db`);
}

/** Returns the cached seed for this size, seeding it first when absent. */
function ensureSeededStore(workDir, approvals, decisions) {
  const file = seededStorePath(workDir, approvals, decisions);
  if (fs.existsSync(file)) return { file, seededNow: false, seedSeconds: null };
  const partial = `${file}.partial`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) fs.rmSync(f, { force: true });
  const started = Date.now();
  seedStore({ db: partial, approvals, decisions });
  // Renamed only once complete, so an interrupted seed is never mistaken for a finished one.
  fs.renameSync(partial, file);
  return { file, seededNow: true, seedSeconds: (Date.now() - started) / 1000 };
}

/** A private copy of the seed for one run (the server appends to it). */
function copySeededStore(seed, target) {
  for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, { force: true });
  fs.copyFileSync(seed, target);
  return target;
}

module.exports = { seededStorePath, ensureSeededStore, copySeededStore };
