// Which store a command or server uses (SPEC §6, §7): `--db` or IMAGE_REVIEWER_DB names a SQLite file, or a
// PostgreSQL database by a `postgres://` (or `postgresql://`) URL. A URL may carry a password; every message that
// names the store shows it through `describeStore`, which never prints one.

export interface StoreLocation {
  /** The `--db` value: a file path or a PostgreSQL URL. */
  readonly db: string;
  /** The environment the password and TLS settings are read from (PGPASSWORD, IMAGE_REVIEWER_DB_PASSWORD_FILE). */
  readonly env: NodeJS.ProcessEnv;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

export function isPostgresUrl(db: string): boolean {
  return POSTGRES_URL.test(db);
}

/** The store as messages name it: a path as given; a URL with its password (user info or `password=` parameter) replaced. */
export function describeStore(db: string): string {
  if (!isPostgresUrl(db)) return db;
  return db
    .replace(/^(postgres(?:ql)?:\/\/[^/@?#]*?:)[^/@?#]*@/i, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}
