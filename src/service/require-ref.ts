import { parseImageRef } from '../core/image-ref';
import type { ImageRef } from '../core/types';
import { UsageError } from '../errors';

/** The image reference a person named (`approve REF`, `revoke REF`), or a UsageError saying why it is not one. */
export function requireRef(text: string): ImageRef {
  const parsed = parseImageRef(text);
  if (!parsed.ok) throw new UsageError(`invalid image reference ${JSON.stringify(text)}: ${parsed.error}`);
  return parsed.ref;
}
