import type { ParsedRef } from '../image-ref';
import type { Check } from '../types';
import { described, fail, pass } from './check-result';
import type { ImageContext } from './image-context';

/** `invalid-reference`: an image that does not parse is denied and judged no further (SPEC §3). */
export function checkReference(parsed: ParsedRef, context: Pick<ImageContext, 'describe'>): Check {
  return parsed.ok
    ? pass('reference', described(context, () => `repository ${parsed.ref.repository}`))
    : fail('reference', 'invalid-reference', parsed.error);
}
