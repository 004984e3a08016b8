import fs from 'node:fs';
import path from 'node:path';
import { fieldValue, isJsonObject } from '../core/json-reader';
import { errorMessage } from '../errors';

/**
 * The package root's package.json, found from this file's location: `src/cli` under ts-jest and `dist/cli` in the
 * built or installed package are both two levels below it (npm always packs package.json).
 */
export const PACKAGE_JSON = path.resolve(__dirname, '../../package.json');

/** The `version` of package.json (`image-reviewer --version`), read when asked so a release needs no rebuild of this. */
export function packageVersion(file: string = PACKAGE_JSON): string {
  let document: unknown;
  try {
    document = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the version from ${file}: ${errorMessage(err)}`);
  }
  const version = isJsonObject(document) ? fieldValue(document, 'version') : undefined;
  if (typeof version !== 'string' || version === '') throw new Error(`${file} has no version`);
  return version;
}
