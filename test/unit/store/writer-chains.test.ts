import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { UsageError } from '../../../src/errors';
import { GENESIS_HASH, chainHash } from '../../../src/store/audit-hash';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { queryDecision, queryDecisions } from '../../../src/store/audit-query';
import type { AuditRepository } from '../../../src/store/audit-repository';
import { decisionDetail } from '../../../src/service/decision-detail';
import { decisionPage } from '../../../src/dashboard/decision-page';
import { verifyAuditChain } from '../../../src/store/audit-verify';
import { readChainStates, storedChains } from '../../../src/store/chain-states';
import { DEFAULT_MIGRATIONS_DIR } from '../../../src/store/migration-files';
import { openStore } from '../../../src/store/open-database';
import { chainGenesis, chainName, writerIdentity } from '../../../src/store/writer-identity';
import { decisionRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// Migration 0008 (SPEC §6: "with several writers each writer keeps its own chain"): the decisions a store already
// holds stay one chain, `decisions`, as they were hashed, so checkpoints taken before still verify; each writer then
// appends to its own chain, named by writer and cluster, and checkpoints cover every chain.

const A = { writer: 'reviewer-a', cluster: null };
const B = { writer: 'reviewer-b', cluster: 'prod-eu' };

/** Two decisions as the single writer before migration 0008 wrote them: ids 1, 2 chained from zeros, and audit_head. */
function writePre0008Decisions(db: Database.Database): Buffer[] {
  db.prepare("INSERT INTO policies (id, hash, source, first_used) VALUES (1, ?, 'built-in default', 1000)").run('f'.repeat(64));
  const hashes: Buffer[] = [];
  let previous = GENESIS_HASH;
  for (const id of [1, 2]) {
    const row = {
      id, time: 1000 * id, namespace: 'prod', allowed: 1, mode: 'enforce', breakGlass: 0, ticket: null, reason: 'ok',
      overridden: null, policyHash: 'f'.repeat(64), user: null, groups: null, latencyUs: 250, images: [],
    };
    previous = chainHash(previous, row);
    hashes.push(previous);
    db.prepare(`INSERT INTO decisions (id, time, namespace, allowed, mode, break_glass, ticket, reason, overridden, policy_id, user, latency_us, hash)
                VALUES (?, ?, 'prod', 1, 'enforce', 0, NULL, 'ok', NULL, 1, NULL, 250, ?)`).run(id, row.time, previous);
  }
  db.prepare('INSERT INTO audit_head (id, decision_id, hash) VALUES (1, 2, ?)').run(previous);
  return hashes;
}

describe('one audit chain per writer (migration 0008)', () => {
  let tmp: TempDir;
  let db: Database.Database;
  let legacy: Buffer[];

  beforeEach(async () => {
    tmp = makeTempDir();
    const old = tmp.file('migrations-0007');
    fs.mkdirSync(old);
    for (const name of fs.readdirSync(DEFAULT_MIGRATIONS_DIR).filter((n) => n < '0008')) {
      fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, name), path.join(old, name));
    }
    const before = openStore(tmp.file('store.db'), { migrate: 'apply', migrationsDir: old });
    legacy = writePre0008Decisions(before);
    before.close();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
    const a = createInlineAuditWriter(db, {}, A);
    const b = createInlineAuditWriter(db, {}, B);
    expect(await a.append(decisionRecord({ time: 3000 }))).toBe(3);
    expect(await b.append(decisionRecord({ time: 3001 }))).toBe(4);
    expect(await a.append(decisionRecord({ time: 3002 }))).toBe(5);
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('verifies the chain written before the migration and each writer’s chain after it', () => {
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 5 });
  });

  it('names the writer and cluster of each decision, null before writers were recorded', () => {
    const decided = queryDecisions(db, { limit: 10 }).map((d) => [d.id, d.writer, d.cluster]);
    expect(decided).toEqual([[5, 'reviewer-a', null], [4, 'reviewer-b', 'prod-eu'], [3, 'reviewer-a', null], [2, null, null], [1, null, null]]);
  });

  it("places each decision in its writer's chain, as the dashboard's decision page shows it", async () => {
    expect(queryDecisions(db, { limit: 10 }).map((d) => [d.id, d.chainSeq])).toEqual([[5, 2], [4, 1], [3, 1], [2, null], [1, null]]);
    const audit = { decision: async (id: number) => queryDecision(db, id) } as unknown as AuditRepository;
    const notRun = { state: 'not-run', reason: 'not yet' } as const;
    const placed = async (id: number) => (await decisionDetail(audit, id, notRun)).chainPosition;
    expect(await placed(5)).toEqual({ chain: 'decisions/reviewer-a', entry: 2 });
    expect(await placed(4)).toEqual({ chain: 'decisions/prod-eu/reviewer-b', entry: 1 });
    expect(await placed(2)).toEqual({ chain: 'decisions', entry: 2 });
    const page = decisionPage(await decisionDetail(audit, 4, notRun)).toString();
    expect(page).toContain('<dt>chain position</dt><dd>entry 1 of the chain <code>decisions/prod-eu/reviewer-b</code></dd>');
  });

  it('checkpoints every chain, the old one still under the name earlier checkpoints gave it', () => {
    const hashOf = (id: number): string => (db.prepare<[number], { hash: Buffer }>('SELECT hash FROM decisions WHERE id = ?').get(id)?.hash ?? Buffer.alloc(0)).toString('hex');
    const states = readChainStates(db).filter((s) => s.chain.startsWith('decisions'));
    expect(states).toEqual([
      { chain: 'decisions', count: 2, head: legacy[1]!.toString('hex') },
      { chain: 'decisions/reviewer-a', count: 2, head: hashOf(5) },
      { chain: 'decisions/prod-eu/reviewer-b', count: 1, head: hashOf(4) },
    ]);
    const stored = storedChains(db);
    expect(stored.length('decisions')).toBe(2);
    expect(stored.headAt('decisions', 1)).toBe(legacy[0]!.toString('hex'));
    expect(stored.length('decisions/reviewer-a')).toBe(2);
    expect(stored.headAt('decisions/reviewer-a', 1)).toBe(hashOf(3));
    expect(stored.headAt('decisions/reviewer-a', 0)).toBe(chainGenesis(A).toString('hex'));
    expect(stored.headAt('decisions/prod-eu/reviewer-b', 1)).toBe(hashOf(4));
    expect(stored.length('decisions/reviewer-c')).toBeNull();
  });

  it('starts a writer’s chain from a hash of its name and cluster, so the same rows verify in no other chain', () => {
    expect(chainName(A)).toBe('decisions/reviewer-a');
    expect(chainName(null)).toBe('decisions');
    expect(chainGenesis(null)).toEqual(GENESIS_HASH);
    expect(chainGenesis(A).equals(chainGenesis({ writer: 'reviewer-a', cluster: 'prod-eu' }))).toBe(false);
    db.exec("UPDATE audit_chains SET cluster = 'prod-us' WHERE writer = 'reviewer-b'");
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, kind: 'chain', firstBadId: 4 });
  });
});

describe('writerIdentity (serve --writer-name, --cluster)', () => {
  it('takes a host or pod name, and defaults to the host name', () => {
    expect(writerIdentity('image-reviewer-7d9f8-x2x9q', 'prod-eu')).toEqual({ writer: 'image-reviewer-7d9f8-x2x9q', cluster: 'prod-eu' });
    expect(writerIdentity(undefined, undefined).cluster).toBeNull();
  });

  it.each([
    ['a slash', 'a/b', undefined, '--writer-name'],
    ['an empty name', '', undefined, '--writer-name'],
    ['a space in the cluster', 'a', 'prod eu', '--cluster'],
  ])('refuses %s', (_what, writer, cluster, flag) => {
    expect(() => writerIdentity(writer, cluster)).toThrow(UsageError);
    expect(() => writerIdentity(writer, cluster)).toThrow(flag);
  });
});
