import { runCli } from './run-cli';

/** Decision `id` as `audit --json` prints it (the newest 1000 are searched); throws when it is not there. */
export async function auditJsonRow(dbPath: string, id: string): Promise<Record<string, unknown>> {
  const result = await runCli(dbPath, ['audit', '--json', '--limit', '1000']);
  expect(result.status).toBe(0);
  const row = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((r) => String(r.id) === id);
  if (row === undefined) throw new Error(`decision ${id} is not in the audit trail`);
  return row;
}
