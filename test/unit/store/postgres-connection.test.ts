import fs from 'node:fs';
import { describeStore } from '../../../src/store/store-location';
import { type TestDatabase, createTestSchema, dropFileDatabase, testPostgres } from '../../helpers/postgres-server';
import { runCli, runCliArgv } from '../../helpers/run-cli';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// Choosing PostgreSQL with --db or IMAGE_REVIEWER_DB, and where its password comes from (SPEC §6, §7): the URL, a
// file named by IMAGE_REVIEWER_DB_PASSWORD_FILE, or PGPASSWORD; never printed.

describe('a PostgreSQL store', () => {
  let database: TestDatabase;
  let tmp: TempDir;
  let password: string;

  beforeEach(async () => {
    database = await createTestSchema();
    password = (await testPostgres()).password;
    tmp = makeTempDir('pg-connection-');
    expect((await runCli(database.url, ['migrate'])).status).toBe(0);
  });
  afterEach(async () => {
    await database.drop();
    tmp.cleanup();
  });
  afterAll(() => dropFileDatabase());

  /** This test's URL without its password. */
  const withoutPassword = (): string => database.url.replace(`:${password}@`, '@');
  const REF = `docker.io/library/nginx@sha256:${'1'.repeat(64)}`;

  it('selects PostgreSQL by IMAGE_REVIEWER_DB as by --db', async () => {
    expect((await runCli(database.url, ['approve', REF, '--offline'])).status).toBe(0);
    const listed = await runCliArgv(['approvals', '--json'], { IMAGE_REVIEWER_DB: database.url });
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ repository: 'docker.io/library/nginx', status: 'active' })]);
  });

  it('reads the password from IMAGE_REVIEWER_DB_PASSWORD_FILE (trailing newline dropped), else from PGPASSWORD', async () => {
    const file = tmp.file('password');
    fs.writeFileSync(file, `${password}\n`);
    const fromFile = await runCli(withoutPassword(), ['approvals'], { IMAGE_REVIEWER_DB_PASSWORD_FILE: file, PGPASSWORD: 'wrong' });
    expect(fromFile).toMatchObject({ status: 0, stderr: '' });
    const fromEnv = await runCli(withoutPassword(), ['approvals'], { PGPASSWORD: password });
    expect(fromEnv).toMatchObject({ status: 0, stderr: '' });
  });

  it('fails in one line that never shows the password when it is wrong', async () => {
    const url = database.url.replace(`:${password}@`, ':not-the-Secret@');
    const result = await runCli(url, ['approvals']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\S+: password authentication failed for user "postgres"\n$/);
    expect(result.stderr).not.toContain('not-the-Secret');
  });

  it('names a missing password file', async () => {
    const result = await runCli(withoutPassword(), ['approvals'], { IMAGE_REVIEWER_DB_PASSWORD_FILE: tmp.file('absent') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`cannot read the store password file ${tmp.file('absent')} (IMAGE_REVIEWER_DB_PASSWORD_FILE)`);
  });

  it('refuses a URL of another database engine instead of making a SQLite file of that name', async () => {
    const result = await runCli('mysql://root:pw@db/reviewer', ['approvals']);
    expect(result).toMatchObject({ status: 1, stderr: 'error: --db mysql://… is neither a file path nor a postgres:// URL\n' });
  });
});

it.each([
  ['postgres://app:s3cret@db.example:5432/reviewer', 'postgres://app:***@db.example:5432/reviewer'],
  ['postgresql://app@db.example/reviewer?sslmode=verify-full', 'postgresql://app@db.example/reviewer?sslmode=verify-full'],
  ['postgres://db.example/reviewer?user=app&password=s3cret&sslmode=require', 'postgres://db.example/reviewer?user=app&password=***&sslmode=require'],
  ['./data/image-reviewer.db', './data/image-reviewer.db'],
])('describes %s as %s', (db, shown) => {
  expect(describeStore(db)).toBe(shown);
});
