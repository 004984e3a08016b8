import type { ImageRef } from '../types';

/** `tag "1.0"`, or what docker would pull for a reference without a tag. */
export function describeTag(ref: ImageRef): string {
  return ref.tag === null ? 'the reference (no tag, docker pulls "latest")' : `tag ${JSON.stringify(ref.tag)}`;
}
