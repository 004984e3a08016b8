import fs from 'node:fs';
import { errorMessage } from '../errors';

// Which file the store is: device and inode, as the path named it when the server opened it. A store deleted
// or replaced while serving (rm, mv, a restore copied over the path) leaves the open connection writing to a
// file no one will read again, and a later CLI run creates or finds another one (SPEC §2 `/readyz`: "still the
// file configured"). Comparing the path's identity with the one opened detects it.

/** Device and inode as decimal strings (inodes may exceed 2^53). */
export interface StoreIdentity {
  readonly dev: string;
  readonly ino: string;
}

export function storeIdentity(file: string): StoreIdentity {
  const stat = fs.statSync(file, { bigint: true });
  return { dev: stat.dev.toString(), ino: stat.ino.toString() };
}

/** Why `file` is no longer the store opened as `opened`, or null when it still is. */
export function storeIdentityProblem(file: string, opened: StoreIdentity): string | null {
  let now: StoreIdentity;
  try {
    now = storeIdentity(file);
  } catch (err) {
    const gone = typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
    return gone ? `the store file ${file} was deleted while serving` : `the store file ${file} cannot be checked: ${errorMessage(err)}`;
  }
  if (now.dev === opened.dev && now.ino === opened.ino) return null;
  return `the store file ${file} was replaced while serving (the path names another file than the one opened)`;
}
