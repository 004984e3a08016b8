import { createHash } from 'node:crypto';
import { canonicalJson } from '../policy/canonical-json';

/**
 * The identity of one event about one digest, for idempotence: both Harbor and distribution retry a delivery that
 * was not answered 2xx, with the same body. Derived from the content (Harbor's Default format has no event id), so a
 * redelivered event gets the same key and a new push of the same digest (another time, another id) a new one.
 */
export function eventKey(parts: Readonly<Record<string, string | number | null>>): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}
