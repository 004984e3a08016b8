'use strict';
// Bytes of store per decision (SPEC §11): pages of the audit tables and their indexes (dbstat), divided
// by the number of decisions; the whole file per decision is reported too (approvals and scans included).
const fs = require('node:fs');
const Database = require('better-sqlite3');

const AUDIT_OBJECTS = new Set([
  'decisions', 'decisions_time', 'decisions_namespace_time', 'decisions_break_glass', 'decisions_denied',
  'decision_images', 'decision_images_image', 'decision_reasons', 'image_refs', 'image_refs_key',
  'image_refs_repository', 'policies', 'sqlite_autoindex_policies_1', 'audit_chains', 'audit_chains_writer',
  'decisions_chain_seq',
]);

function storeBytes(file) {
  const db = new Database(file, { readonly: true });
  try {
    const decisions = db.prepare('SELECT count(*) AS n FROM decisions').get().n;
    let audit = 0;
    const byObject = {};
    for (const row of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) {
      byObject[row.name] = row.bytes;
      if (AUDIT_OBJECTS.has(row.name) || row.name.startsWith('decision')) audit += row.bytes;
    }
    const fileBytes = fs.statSync(file).size;
    return {
      decisions,
      auditBytes: audit,
      fileBytes,
      auditPerDecision: decisions === 0 ? NaN : audit / decisions,
      filePerDecision: decisions === 0 ? NaN : fileBytes / decisions,
      byObject,
    };
  } finally {
    db.close();
  }
}

module.exports = { storeBytes };
