import { StoreError } from '../errors';
import { DECISION_ROLLUPS } from './decision-rollups';
import type { TableReader, TableWriter } from './store-tables';

// The rows `store copy` moves (SPEC §7), table by table in an order that satisfies every foreign key, each in its
// stored order. Tables the destination derives itself are not copied: it counts the decision rollups itself
// (TableWriter.commit), its triggers keep the facts generation as the rows go in, and its own migrations are its
// own. A source table this code does not know (made by a newer image-reviewer) stops the copy rather than being left
// behind.

const COPIED: readonly { readonly table: string; readonly orderBy: readonly string[] }[] = [
  { table: 'policies', orderBy: ['id'] },
  { table: 'image_refs', orderBy: ['id'] },
  { table: 'approvals', orderBy: ['id'] },
  { table: 'scans', orderBy: ['id'] },
  { table: 'scan_targets', orderBy: ['scan_id', 'digest', 'repository'] },
  // Ordered by each engine's own row order (the report's order): see store-tables.ts `read`.
  { table: 'findings', orderBy: ['scan_id'] },
  { table: 'cve_exceptions', orderBy: ['id'] },
  { table: 'break_glass_grants', orderBy: ['id'] },
  { table: 'registry_events', orderBy: ['id'] },
  { table: 'change_log', orderBy: ['id'] },
  { table: 'change_log_head', orderBy: ['id'] },
  { table: 'audit_chains', orderBy: ['id'] },
  { table: 'decisions', orderBy: ['id'] },
  { table: 'decision_images', orderBy: ['decision_id', 'idx'] },
  { table: 'decision_reasons', orderBy: ['decision_id', 'reason'] },
];

/** A new store already holds its chains' head rows (at the start of the chain): replaced by the source's. */
const HEADS: ReadonlySet<string> = new Set(['change_log_head', 'audit_chains']);

/**
 * Kept by the destination itself, or (`audit_head`) superseded: PostgreSQL keeps that table after its migration 0002
 * (which only adds), where SQLite 0008 dropped it; its content became chain 1's row of `audit_chains`.
 */
const DERIVED: ReadonlySet<string> = new Set(['schema_migrations', 'meta', 'audit_head', ...DECISION_ROLLUPS.map((r) => r.table)]);

export interface CopiedTable {
  readonly table: string;
  readonly rows: number;
}

/** Copies every table in one destination transaction; the destination must hold no rows yet. */
export async function copyTables(from: TableReader, to: TableWriter): Promise<readonly CopiedTable[]> {
  const present = new Set(await from.tables());
  const unknown = [...present].filter((t) => !DERIVED.has(t) && !COPIED.some((c) => c.table === t));
  if (unknown.length > 0) {
    throw new StoreError(`the source store has tables this image-reviewer does not know (${unknown.join(', ')}): copy it with a newer image-reviewer`);
  }
  const plan = await planColumns(from, to, COPIED.filter((c) => present.has(c.table)));
  await requireEmpty(to, plan.map((p) => p.table));
  await to.begin();
  try {
    const copied: CopiedTable[] = [];
    for (const { table, columns, orderBy } of plan) {
      if (HEADS.has(table)) await to.clear(table);
      let rows = 0;
      for await (const batch of from.read(table, columns, orderBy)) {
        await to.insert(table, columns, batch);
        rows += batch.length;
      }
      copied.push({ table, rows });
    }
    await to.commit();
    return copied;
  } catch (err) {
    await to.rollback();
    throw err;
  }
}

interface TablePlan {
  readonly table: string;
  readonly columns: readonly string[];
  readonly orderBy: readonly string[];
}

/** Every source column must have a destination column of the same name: nothing is dropped on the way. */
async function planColumns(from: TableReader, to: TableWriter, tables: typeof COPIED): Promise<readonly TablePlan[]> {
  const destination = new Set(await to.tables());
  const plan: TablePlan[] = [];
  for (const { table, orderBy } of tables) {
    if (!destination.has(table)) throw new StoreError(`the destination store has no table ${table}: is it migrated to the same version?`);
    const columns = await from.columns(table);
    const known = new Set(await to.columns(table));
    const missing = columns.filter((c) => !known.has(c));
    if (missing.length > 0) {
      throw new StoreError(`the destination's ${table} has no column ${missing.join(', ')}: migrate it to the source's version first`);
    }
    plan.push({ table, columns, orderBy });
  }
  return plan;
}

async function requireEmpty(to: TableWriter, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    if (HEADS.has(table)) continue;
    const rows = await to.count(table);
    if (rows > 0) throw new StoreError(`the destination store is not empty (${table} holds ${rows} rows): copy into a new store`);
  }
}
