import { type ParsedRef, parseImageRef } from '../core/image-ref';

/** Image strings whose parse is kept; past it the oldest is forgotten (and parsed again when it comes back). */
export const DEFAULT_MAX_PARSED_REFS = 10_000;

/**
 * `parseImageRef` with a bounded memory of its answers, for `serve`: a cluster's pods name the same images over and
 * over, and parsing a reference (its checks of host, path, tag and digest) was a fifth of deciding on one image
 * (bench/RESULTS.md). A ParsedRef is immutable, so one answer serves every review that names the same string.
 */
export function createReferenceParser(maxEntries: number = DEFAULT_MAX_PARSED_REFS): (image: string) => ParsedRef {
  const max = Math.max(1, maxEntries);
  const parsed = new Map<string, ParsedRef>();
  return (image) => {
    const known = parsed.get(image);
    if (known !== undefined) return known;
    const fresh = parseImageRef(image);
    if (parsed.size >= max) parsed.delete(parsed.keys().next().value ?? image);
    parsed.set(image, fresh);
    return fresh;
  };
}
