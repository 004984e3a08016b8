import fs from 'node:fs';
import { POSTGRES_MIGRATIONS_DIR } from '../../../src/store/migration-files';
import { openPostgresStore } from '../../../src/store/postgres/open-postgres-store';
import type { StoreMode } from '../../../src/store/store';
import { type TestDatabase, createTestSchema, dropFileDatabase } from '../../helpers/postgres-server';
import { runSql } from '../../helpers/store-engines';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// The PostgreSQL migration runner (SPEC §6): only `migrate` applies; checksums; one advisory lock; expand-then-contract.

let tmp: TempDir;
let dir: string;
let database: TestDatabase;

const write = (name: string, sql: string): void => fs.writeFileSync(`${dir}/${name}`, sql);
const open = (mode: StoreMode, migrationsDir = dir) => openPostgresStore({ db: database.url, env: {} }, mode, { migrationsDir });
const migrate = async (migrationsDir = dir) => {
  const store = await open('migrate', migrationsDir);
  try {
    return await store.migrate(() => 1234);
  } finally {
    await store.close();
  }
};
const opens = async (mode: StoreMode): Promise<void> => (await open(mode)).close();
const tables = async () =>
  (await runSql('postgres', database.url, 'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1')).map(
    (r) => r.table_name,
  );

beforeEach(async () => {
  tmp = makeTempDir('pg-migrations-');
  dir = tmp.file('migrations');
  fs.mkdirSync(dir);
  write('0001_first.sql', '-- compatibility: expand\nCREATE TABLE one (id INTEGER PRIMARY KEY);\n');
  write('0002_second.sql', '-- compatibility: expand\nCREATE TABLE two (id INTEGER PRIMARY KEY);\n');
  database = await createTestSchema();
});
afterEach(async () => {
  await database.drop();
  tmp.cleanup();
});
afterAll(() => dropFileDatabase());

it("applies the package's migrations and records each with checksum and compatibility; a second run applies nothing", async () => {
  const report = await migrate(POSTGRES_MIGRATIONS_DIR);
  expect(report.applied[0]).toBe('0001_initial.sql');
  expect(report.version).toBe(report.applied.length);
  expect(await tables()).toEqual(expect.arrayContaining(['approvals', 'decisions', 'change_log', 'schema_migrations']));
  const [first] = await runSql('postgres', database.url, 'SELECT version, name, applied_at, compatibility, length(checksum) AS n FROM schema_migrations');
  expect(first).toEqual({ version: 1, name: '0001_initial.sql', applied_at: 1234, compatibility: 'expand', n: 64 });
  expect(await migrate(POSTGRES_MIGRATIONS_DIR)).toEqual({ applied: [], version: report.version });
});

it('applies each migration once when two migrate runs race (advisory lock)', async () => {
  const reports = await Promise.all([migrate(), migrate(), migrate()]);
  expect(reports.flatMap((r) => r.applied).sort()).toEqual(['0001_first.sql', '0002_second.sql']);
  expect(reports.map((r) => r.version)).toEqual([2, 2, 2]);
});

it('never migrates when a command opens the store: an empty database and a pending migration are refused', async () => {
  await expect(opens('read-write')).rejects.toThrow('has no image-reviewer schema: run `image-reviewer migrate` first');
  await expect(opens('read-only')).rejects.toThrow('has no image-reviewer schema');
  expect(await tables()).toEqual([]);
  await migrate();
  write('0003_third.sql', '-- compatibility: expand\nCREATE TABLE three (id INTEGER);\n');
  await expect(opens('read-write')).rejects.toThrow('has pending migrations (0003_third.sql): run `image-reviewer migrate`');
  expect(await tables()).not.toContain('three');
  expect((await migrate()).applied).toEqual(['0003_third.sql']);
  await opens('read-write');
});

it('lets older code use a schema whose newer migrations are all expand, and refuses it after a contract', async () => {
  await migrate();
  const newer = tmp.file('newer');
  fs.cpSync(dir, newer, { recursive: true });
  fs.writeFileSync(`${newer}/0003_add.sql`, '-- compatibility: expand\nALTER TABLE one ADD COLUMN note TEXT;\n');
  await migrate(newer);
  await opens('read-write');
  await opens('read-only');
  fs.writeFileSync(`${newer}/0004_drop.sql`, '-- compatibility: contract\nDROP TABLE two;\n');
  await migrate(newer);
  await expect(opens('read-write')).rejects.toThrow(
    'store schema version 4 is newer than this image-reviewer (knows 2) and migration 0004_drop.sql is not backward compatible: upgrade image-reviewer',
  );
  // `migrate` of the older code changes nothing either.
  await expect(migrate()).rejects.toThrow('not backward compatible');
});

it('refuses an applied migration that was edited or renamed', async () => {
  await migrate();
  write('0002_second.sql', '-- compatibility: expand\nCREATE TABLE two (id BIGINT PRIMARY KEY);\n');
  await expect(opens('read-write')).rejects.toThrow('applied migration 0002_second.sql was edited');
  fs.rmSync(`${dir}/0002_second.sql`);
  write('0002_renamed.sql', '-- compatibility: expand\nCREATE TABLE two (id INTEGER PRIMARY KEY);\n');
  await expect(migrate()).rejects.toThrow('applied migration 0002_second.sql was renamed to 0002_renamed.sql');
});

it('refuses a migration file that does not declare its compatibility', async () => {
  write('0003_undeclared.sql', 'CREATE TABLE three (id INTEGER);\n');
  await expect(migrate()).rejects.toThrow('migration 0003_undeclared.sql must start with "-- compatibility: expand" or "-- compatibility: contract"');
  expect(await tables()).toEqual([]);
});

it('rolls a failing migration back and keeps the ones before it', async () => {
  write('0003_broken.sql', '-- compatibility: expand\nCREATE TABLE three (id INTEGER);\nSELECT no_such_function();\n');
  await expect(migrate()).rejects.toThrow(/migration 0003_broken.sql failed and was rolled back: .*no_such_function/);
  expect(await tables()).toEqual(['one', 'schema_migrations', 'two']);
});

it('refuses to write into a database that holds tables of something else', async () => {
  await runSql('postgres', database.url, 'CREATE TABLE customers (id INTEGER)');
  await expect(migrate()).rejects.toThrow('the database is not an image-reviewer store (it has tables but no schema_migrations)');
  expect(await tables()).toEqual(['customers']);
});
