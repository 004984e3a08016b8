import { type CliResult, runCli } from './run-cli';
import { queryStore } from './store-query';
import { type TempDir, makeTempDir } from './temp-dir';

/** A fresh temporary directory per test with the store file `store.db` in it, and the CLI run against it. */
export interface CliStore {
  /** This test's directory; read inside a test or hook only. */
  readonly dir: TempDir;
  /** This test's store file (created by the first command that writes); read inside a test or hook only. */
  readonly dbPath: string;
  /** The CLI, run in-process, with `--db` set to this test's store. */
  cli(...args: string[]): Promise<CliResult>;
  /** Rows of `sql` read from this test's store; none when the file does not exist. */
  query(sql: string): unknown[];
}

/** Registers beforeEach/afterEach hooks that create the directory and remove it after each test. */
export function useCliStore(prefix: string): CliStore {
  let current: TempDir | undefined;
  beforeEach(() => {
    current = makeTempDir(prefix);
  });
  afterEach(() => {
    current?.cleanup();
    current = undefined;
  });
  const dir = (): TempDir => {
    if (current === undefined) throw new Error('useCliStore: the store exists only inside a test');
    return current;
  };
  const dbPath = (): string => dir().file('store.db');
  return {
    get dir() {
      return dir();
    },
    get dbPath() {
      return dbPath();
    },
    cli: (...args) => runCli(dbPath(), args),
    query: (sql) => queryStore(dbPath(), sql),
  };
}
