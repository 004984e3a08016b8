#!/usr/bin/env node
'use strict';
// Seeds a store with many approvals, scans and recorded decisions, fast: direct SQL in big transactions,
// each decision hashed into the chain with the writer's own canonical form (dist/store/audit-hash.js),
// so `image-reviewer audit verify` passes over the result. Used by `npm run bench` for the store-scale
// figures of SPEC §11, and runnable alone:
//   node bench/seed-store.js --db bench/.work/x.db --approvals 1000000 --decisions 10000000
const path = require('node:path');
const Database = require('better-sqlite3');
const { runCli } = require('./lib/cli');
const { createProgress } = require('./lib/progress');
const { digestOf, REGISTRY } = require('./lib/review-bodies');

const dist = path.resolve(__dirname, '../dist');
const { chainHash } = require(path.join(dist, 'store/audit-hash.js'));
const { chainGenesis } = require(path.join(dist, 'store/writer-identity.js'));
const { changeHash } = require(path.join(dist, 'store/change-hash.js'));
const { approveChange, scanImportChange } = require(path.join(dist, 'store/change-entries.js'));
const { rebuildDecisionRollups } = require(path.join(dist, 'store/sqlite/rebuild-rollups.js'));

/** The writer whose chain the seeded decisions form (one chain per writer: migration 0008). */
const SEED_WRITER = { writer: 'bench-seed', cluster: null };

const DAY = 24 * 3600 * 1000;
/** The seeded decisions are spread evenly over this span, ending at the seed time. */
const SPAN_MS = 30 * DAY;
const NAMESPACES = 100;
const REPOSITORIES = 20_000;
/** Distinct images that appear in decisions (a cluster runs far fewer images than it has approved). */
const IMAGES_IN_USE = 100_000;
const TXN_DECISIONS = 50_000;

/** A small deterministic PRNG (mulberry32): the same seed gives the same store. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function approvedImage(i) {
  if (i < IMAGES_IN_USE) return inUse()[i];
  return makeApprovedImage(i);
}

let inUseCache = null;
/** The images that decisions use, built once: hashing a digest per decision would dominate the seeding time. */
function inUse() {
  inUseCache ??= Array.from({ length: IMAGES_IN_USE }, (_, i) => makeApprovedImage(i));
  return inUseCache;
}

let unvettedCache = null;
function unvettedImage(u, namespace) {
  unvettedCache ??= Array.from({ length: 5000 }, (_, k) => digestOf(`unvetted-${k}`));
  const repository = `${REGISTRY}/${namespace}/unvetted-${u}`;
  const digest = unvettedCache[u];
  return { image: `${repository}@${digest}`, repository, digest };
}

function makeApprovedImage(i) {
  const repository = `${REGISTRY}/team-${String(i % NAMESPACES).padStart(2, '0')}/app-${i % REPOSITORIES}`;
  const digest = digestOf(`seed-${i}`);
  return { repository, digest, image: `${repository}@${digest}` };
}

function seedStore({ db: file, approvals, decisions, now = Date.now(), quiet = false }) {
  // The schema comes from the real migrations.
  runCli(file, ['migrate']);
  const db = new Database(file);
  // A bulk load into a file nobody else uses: rollback journal in memory, no fsync, a big cache
  // (journal_mode=OFF is refused by better-sqlite3's defensive mode). The store is switched
  // back to WAL at the end, as the server expects; a crash here leaves a file the caller throws away.
  db.pragma('journal_mode = DELETE'); // out of WAL first: WAL cannot switch to MEMORY directly
  db.pragma('journal_mode = MEMORY');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('cache_size = -524288');
  db.pragma('temp_store = MEMORY');
  seedApprovals(db, approvals, now, quiet);
  seedChangeLog(db, quiet);
  seedDecisions(db, decisions, now, quiet);
  // Counted once at the end, as `store copy` does: the audit writer counts its own commits (migration 0010).
  db.transaction(() => rebuildDecisionRollups(db))();
  db.pragma('locking_mode = NORMAL');
  db.pragma('journal_mode = WAL');
  db.pragma('optimize');
  db.close();
}

function seedApprovals(db, count, now, quiet) {
  const insert = db.prepare(
    `INSERT INTO approvals (repository, digest, tag, approved_by, approved_at, reason)
     VALUES (?, ?, ?, 'seed', ?, 'seeded by bench')`,
  );
  const scan = db.prepare(
    `INSERT INTO scans (scanner, scanned_at, scanned_at_source, imported_at, imported_by, report_sha256,
                        critical, high, medium, low, unknown)
     VALUES ('trivy', ?, 'report', ?, 'seed', ?, 0, 0, 0, 0, 0)`,
  );
  const target = db.prepare('INSERT INTO scan_targets (digest, scan_id, repository) VALUES (?, ?, ?)');
  const progress = createProgress('approvals', count, quiet);
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const a = approvedImage(i);
      const at = now - SPAN_MS + Math.floor((i / count) * SPAN_MS);
      insert.run(a.repository, a.digest, `1.${i % 50}.${i % 7}`, at);
      // One in ten approved digests has a scan (those in use by the decisions below all do).
      if (i < IMAGES_IN_USE || i % 10 === 0) {
        // A clean report: the seed writes no findings, so its counts are zero, as the change log says.
        const id = scan.run(at, at, a.digest.slice(7)).lastInsertRowid;
        target.run(a.digest, id, a.repository);
      }
    }
  });
  for (let i = 0; i < count; i += TXN_DECISIONS) {
    batch(i, Math.min(count, i + TXN_DECISIONS));
    progress.update(Math.min(count, i + TXN_DECISIONS));
  }
  progress.done();
}

/**
 * The change log of the seeded approvals and scans, as `approve` and `scan import` would have written it
 * (dist/store/change-entries.js, change-hash.js), oldest first, so `audit verify` finds the stored rows equal to
 * what the log says. Run on a store whose log is empty.
 */
function seedChangeLog(db, quiet) {
  const approvals = db.prepare('SELECT id, repository, digest, tag, approved_at, reason FROM approvals ORDER BY id').all();
  const scans = db
    .prepare(`SELECT s.id, s.scanned_at, s.imported_at, s.report_sha256, t.repository, t.digest
              FROM scans s JOIN scan_targets t ON t.scan_id = s.id ORDER BY s.id`)
    .all();
  const entry = (kind, row) =>
    kind === 'approve'
      ? approveChange({ repository: row.repository, digest: row.digest, tag: row.tag, by: 'seed', reason: row.reason,
          expiresAt: null, imageCreatedAt: null, signature: null, now: row.approved_at }, row.id)
      : scanImportChange({ scanner: 'trivy', reportSha256: row.report_sha256, targets: [{ repository: row.repository, digest: row.digest }],
          by: 'seed', now: row.imported_at }, row.id, row.scanned_at, { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
  const insert = db.prepare('INSERT INTO change_log (id, time, actor, action, subject, details, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const head = db.prepare('SELECT change_id, hash FROM change_log_head WHERE id = 1').get();
  if (head.change_id !== 0) throw new Error('seedChangeLog: the store already has a change log');
  const total = approvals.length + scans.length;
  const progress = createProgress('change log', total, quiet);
  let previous = head.hash;
  let a = 0;
  let s = 0;
  const batch = db.transaction((to) => {
    // Merged by time as the seed made them (an approval, then its scan at the same time).
    while (a + s < to) {
      const approval = a < approvals.length && (s >= scans.length || approvals[a].approved_at <= scans[s].imported_at);
      const { time, actor, action, subject, details } = approval ? entry('approve', approvals[a++]) : entry('scan-import', scans[s++]);
      const row = { id: a + s, time, actor, action, subject, details: JSON.stringify(details) };
      previous = changeHash(previous, row);
      insert.run(row.id, row.time, row.actor, row.action, row.subject, row.details, previous);
    }
    db.prepare('UPDATE change_log_head SET change_id = ?, hash = ? WHERE id = 1').run(a + s, previous);
  });
  for (let done = 0; done < total; done = Math.min(total, done + TXN_DECISIONS)) {
    batch(Math.min(total, done + TXN_DECISIONS));
    progress.update(Math.min(total, done + TXN_DECISIONS));
  }
  progress.done();
}

function seedDecisions(db, count, now, quiet) {
  const s = {
    policy: db.prepare("INSERT INTO policies (hash, source, first_used) VALUES (?, 'policy/sample-policy.yaml', ?)"),
    image: db.prepare('INSERT INTO image_refs (image, repository, digest) VALUES (?, ?, ?)'),
    decision: db.prepare(
      `INSERT INTO decisions (id, time, namespace, allowed, mode, break_glass, ticket, reason, overridden, policy_id,
                              user, latency_us, hash, chain_id, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)`,
    ),
    decisionImage: db.prepare(
      'INSERT INTO decision_images (decision_id, idx, image_id, allowed, reasons, time) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    reason: db.prepare('INSERT INTO decision_reasons (reason, time, decision_id) VALUES (?, ?, ?)'),
    head: db.prepare('UPDATE audit_chains SET count = ?, hash = ? WHERE id = ?'),
  };
  const genesis = chainGenesis(SEED_WRITER);
  const chainId = Number(
    db.prepare('INSERT INTO audit_chains (writer, cluster, count, hash) VALUES (?, NULL, 0, ?)').run(SEED_WRITER.writer, genesis).lastInsertRowid,
  );
  const policyHash = 'seed'.padEnd(64, '0');
  const policyId = Number(s.policy.run(policyHash, now - SPAN_MS).lastInsertRowid);
  const imageIds = new Map();
  const internImage = (key, image, repository, digest) => {
    let id = imageIds.get(key);
    if (id === undefined) {
      id = Number(s.image.run(image, repository, digest).lastInsertRowid);
      imageIds.set(key, id);
    }
    return id;
  };
  const rnd = random(42);
  // A fresh store: the seeded decisions are ids 1, 2, 3, … and entries 1, 2, 3, … of the seed writer's chain.
  const chain = { chainId, id: 0, hash: genesis };
  const progress = createProgress('decisions', count, quiet);
  const batch = db.transaction((from, to) => {
    for (let n = from; n < to; n++) writeDecision(s, chain, rnd, internImage, policyId, policyHash, decisionTime(n, count, now));
    s.head.run(chain.id, chain.hash, chain.chainId);
  });
  for (let i = 0; i < count; i += TXN_DECISIONS) {
    batch(i, Math.min(count, i + TXN_DECISIONS));
    progress.update(Math.min(count, i + TXN_DECISIONS));
  }
  progress.done();
}

function decisionTime(n, count, now) {
  return Math.floor(now - SPAN_MS + ((n + 1) / count) * SPAN_MS);
}

/** One plausible decision: mostly approved pods of 1–3 images, some denials, dry-runs and break-glass. */
function writeDecision(s, chain, rnd, internImage, policyId, policyHash, time) {
  const id = chain.id + 1;
  const ns = Math.floor(rnd() * NAMESPACES);
  const namespace = `team-${String(ns).padStart(2, '0')}`;
  const r = rnd();
  const outcome = r < 0.9 ? 'allowed' : r < 0.97 ? 'denied' : r < 0.999 ? 'dry-run' : 'break-glass';
  const size = rnd() < 0.6 ? 1 : rnd() < 0.75 ? 2 : 3;
  const images = [];
  for (let k = 0; k < size; k++) {
    const unvetted = outcome !== 'allowed' && k === 0;
    if (unvetted) {
      const u = Math.floor(rnd() * 5000);
      const reasons = u % 3 === 0 ? 'vulnerabilities' : 'not-approved,scan-missing';
      images.push({ ...unvettedImage(u, namespace), allowed: 0, reasons, unchanged: 0, signature: null });
    } else {
      const a = approvedImage(Math.floor(rnd() * IMAGES_IN_USE));
      images.push({ image: a.image, repository: a.repository, digest: a.digest, allowed: 1, reasons: '', unchanged: 0, signature: null });
    }
  }
  const failed = images.filter((i) => i.allowed === 0);
  const denial = failed.map((i) => `${i.image}: ${i.reasons.replace(/,/g, ', ')}`).join('; ');
  const row = {
    id,
    time,
    namespace,
    allowed: outcome === 'denied' ? 0 : 1,
    mode: outcome === 'dry-run' ? 'dry-run' : 'enforce',
    breakGlass: outcome === 'break-glass' ? 1 : 0,
    ticket: outcome === 'break-glass' ? `INC-${id % 10000}` : null,
    reason:
      outcome === 'allowed'
        ? size === 1 ? '1 image approved' : `all ${size} images approved`
        : outcome === 'denied' ? denial
        : outcome === 'dry-run' ? `dry-run: would deny: ${denial}`
        : `break-glass (ticket INC-${id % 10000}): allowed despite: ${denial}`,
    overridden: outcome === 'dry-run' || outcome === 'break-glass' ? denial : null,
    policyHash,
    user: null,
    // ImageReview decisions: no groups, no unchanged image, no signature evidence (the v1 hash form, audit-hash.ts).
    groups: null,
    latencyUs: 200 + Math.floor(rnd() * 800),
    images,
  };
  const hash = chainHash(chain.hash, row);
  s.decision.run(id, time, namespace, row.allowed, row.mode, row.breakGlass, row.ticket, row.reason, row.overridden,
    policyId, row.latencyUs, hash, chain.chainId, id);
  const codes = new Set();
  images.forEach((img, idx) => {
    const imageId = internImage(img.image, img.image, img.repository, img.digest);
    s.decisionImage.run(id, idx, imageId, img.allowed, img.reasons, time);
    if (img.reasons !== '') img.reasons.split(',').forEach((c) => codes.add(c));
  });
  for (const code of codes) s.reason.run(code, time, id);
  chain.id = id;
  chain.hash = hash;
}

function parseSeedArgs(argv) {
  const args = { db: null, approvals: 1_000_000, decisions: 10_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--db') args.db = value;
    else if (flag === '--approvals') args.approvals = Number(value);
    else if (flag === '--decisions') args.decisions = Number(value);
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  if (args.db === null) throw new Error('--db FILE is required');
  return args;
}

if (require.main === module) {
  const args = parseSeedArgs(process.argv.slice(2));
  const started = Date.now();
  seedStore(args);
  process.stderr.write(`seeded ${args.db} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

module.exports = { seedStore, seedChangeLog, SPAN_MS };
