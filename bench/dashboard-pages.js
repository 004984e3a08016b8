#!/usr/bin/env node
'use strict';
// The dashboard's page times alone, on a store of your choosing (npm run bench measures them on the seeded store):
//   npm run build && node bench/dashboard-pages.js --db bench/.work/seed-v2-a1000000-d10000000.db
// The store is read, never written; it must be migrated (`image-reviewer --db FILE migrate`).
const Database = require('better-sqlite3');
const { measureDashboard } = require('./lib/measure-dashboard');

async function main() {
  const at = process.argv.indexOf('--db');
  const file = at === -1 ? undefined : process.argv[at + 1];
  if (file === undefined) throw new Error('--db FILE is required');
  const db = new Database(file, { readonly: true });
  const { newest, count } = db.prepare('SELECT max(time) AS newest, max(id) AS count FROM decisions').get();
  db.close();
  for (const r of await measureDashboard(file, newest, Math.max(1, Math.floor(count / 2)))) {
    process.stdout.write(`${r.name.padEnd(40)} median ${r.medianMs.toFixed(1).padStart(7)} ms  first ${r.firstMs.toFixed(1).padStart(7)} ms  ${r.bytes} B\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
