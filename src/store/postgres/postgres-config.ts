import fs from 'node:fs';
import type { ClientConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { StoreError, errorMessage } from '../../errors';
import { type StoreLocation, describeStore } from '../store-location';

/** Names the file holding the PostgreSQL password (a mounted Secret), so it appears in no URL, flag or process list. */
export const PASSWORD_FILE_ENV = 'IMAGE_REVIEWER_DB_PASSWORD_FILE';

/**
 * The pg client settings for a `postgres://` URL. TLS is set in the URL as pg reads it (`sslmode`, `sslrootcert`,
 * `sslcert`, `sslkey`: README "PostgreSQL"). The password is the URL's, else the file named by
 * IMAGE_REVIEWER_DB_PASSWORD_FILE (trailing newline dropped), else PGPASSWORD. The environment is passed in rather than
 * left to pg, which would read process.env itself.
 */
export function postgresClientConfig(location: StoreLocation): ClientConfig {
  let parsed: ClientConfig;
  try {
    parsed = parseIntoClientConfig(location.db);
  } catch (err) {
    throw new StoreError(`cannot use the store ${describeStore(location.db)}: ${errorMessage(err)}`);
  }
  const fromUrl = typeof parsed.password === 'string' && parsed.password !== '' ? parsed.password : undefined;
  return {
    ...parsed,
    password: fromUrl ?? passwordFromFile(location.env[PASSWORD_FILE_ENV]) ?? nonEmpty(location.env.PGPASSWORD),
    application_name: parsed.application_name ?? 'image-reviewer',
  };
}

function passwordFromFile(file: string | undefined): string | undefined {
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new StoreError(`cannot read the store password file ${file} (${PASSWORD_FILE_ENV}): ${errorMessage(err)}`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new StoreError(`the store password file ${file} (${PASSWORD_FILE_ENV}) is empty`);
  return password;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
