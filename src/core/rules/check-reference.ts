import type { ParsedRef } from '../image-ref';
import type { Check } from '../types';
import { fail, pass } from './check-result';

/** `invalid-reference`: an image that does not parse is denied and judged no further (SPEC §3). */
export function checkReference(parsed: ParsedRef): Check {
  return parsed.ok
    ? pass('reference', `repository ${parsed.ref.repository}`)
    : fail('reference', 'invalid-reference', parsed.error);
}
