'use strict';
// How much memory the review facts of N approvals cost held in a Map, as the facts cache holds them
// (src/store/facts-cache.ts): the measurement behind its bounded, read-through design (issue 14 item 2).
// Each entry is what the store's reader returns for an approved, scanned image: an Approval and a clean ScanResult.
// Run: node --expose-gc bench/cache-memory.js [N ...]   (default 10000 100000 1000000)

const path = require('node:path');
const dist = path.resolve(__dirname, '../dist');
const { factsKey } = require(path.join(dist, 'core/image-ref.js'));

function facts(i) {
  const hex = i.toString(16).padStart(64, '0');
  const repository = `registry.corp.example/team-${String(i % 500).padStart(3, '0')}/service-${i % 7919}`;
  const digest = `sha256:${hex}`;
  return {
    key: factsKey(repository, digest),
    value: {
      approval: {
        repository, digest, tag: `1.${i % 100}.${i % 13}`, approvedBy: 'ci-pipeline', approvedAt: 1_700_000_000_000 + i,
        reason: null, expiresAt: null, revokedAt: null, revokedBy: null, revokeReason: null,
        imageCreatedAt: 1_699_000_000_000 + i, signature: null,
      },
      scan: { digest, scanner: 'trivy', scannedAt: 1_700_000_000_000 + i, findings: [] },
    },
  };
}

function heapAfterGc() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [10_000, 100_000, 1_000_000]) {
  const before = heapAfterGc();
  const map = new Map();
  for (let i = 0; i < n; i++) {
    const { key, value } = facts(i);
    map.set(key, value);
  }
  const after = heapAfterGc();
  const bytes = after - before;
  console.log(JSON.stringify({ entries: map.size, heapBytes: bytes, bytesPerEntry: Math.round(bytes / n), mib: +(bytes / 2 ** 20).toFixed(1) }));
  map.clear();
}
