import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StoreError, errorMessage } from '../errors';

/** One `migrations/NNNN_name.sql` file (STYLE 13: append-only, numbered). */
export interface MigrationFile {
  readonly version: number;
  /** The file name, e.g. `0001_initial.sql`: recorded so a rename is detected. */
  readonly name: string;
  readonly sql: string;
  /** sha256 hex of the file's bytes: recorded so an edit is detected. */
  readonly checksum: string;
}

/**
 * The package's migrations directory. Resolved from this file's location so it works both from
 * `src/store` (ts-jest) and from `dist/store` (the built CLI): both are two levels below the root.
 */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations/sqlite');

/** The PostgreSQL migrations, beside SQLite's (SPEC §6). */
export const POSTGRES_MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations/postgres');

const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_-]*)\.sql$/;

/** Reads and checks the migration files: numbered 0001, 0002, … without gaps or duplicates. */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): readonly MigrationFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.sql'));
  } catch (err) {
    throw new StoreError(`cannot read the migrations directory ${dir}: ${errorMessage(err)}`);
  }
  const files = names.map((name) => readMigration(dir, name)).sort((a, b) => a.version - b.version);
  files.forEach((file, i) => {
    const expected = i + 1;
    if (file.version === expected) return;
    const other = files[i - 1];
    if (other !== undefined && other.version === file.version) {
      throw new StoreError(`migrations ${other.name} and ${file.name} have the same number in ${dir}`);
    }
    throw new StoreError(`migration ${pad(expected)} is missing from ${dir} (found ${file.name} next)`);
  });
  return files;
}

function readMigration(dir: string, name: string): MigrationFile {
  const match = FILE_NAME.exec(name);
  if (match === null || match[1] === undefined) {
    throw new StoreError(`migration file ${name} in ${dir} is not named NNNN_name.sql`);
  }
  const bytes = fs.readFileSync(path.join(dir, name));
  return {
    version: Number(match[1]),
    name,
    sql: bytes.toString('utf8'),
    checksum: createHash('sha256').update(bytes).digest('hex'),
  };
}

export function pad(version: number): string {
  return String(version).padStart(4, '0');
}
