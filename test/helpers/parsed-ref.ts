import { parseImageRef } from '../../src/core/image-ref';
import type { ImageRef } from '../../src/core/types';

/** A reference a test knows is valid, parsed; throws (failing the test's setup) when it is not. */
export function parsedRef(text: string): ImageRef {
  const parsed = parseImageRef(text);
  if (!parsed.ok) throw new Error(`test reference ${text}: ${parsed.error}`);
  return parsed.ref;
}
