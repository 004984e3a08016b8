// What `express.json({ strict: true })` (body-parser 2.x, lib/types/json.js and lib/read.js with raw-body 3
// and iconv-lite's UTF-8 decoder) makes of a UTF-8 body, as a pure function: the lean /imagereview reader
// (fast-review.ts) must give every body the same value, or the same error message, that the 400 answers and
// log lines were built from before it existed (test/unit/http/parse-json-body.test.ts compares the two).

export type ParsedJsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;
const SYNTAX_PLACEHOLDER = /#+/g;

export function parseJsonBody(raw: Buffer): ParsedJsonBody {
  let text = raw.toString('utf8');
  // iconv-lite strips a leading byte order mark when decoding.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // body-parser's special case: an empty body is `{}` (then refused by parseImageReview as a wrong apiVersion).
  if (text.length === 0) return { ok: true, value: {} };
  const head = text[0];
  if (head !== '{' && head !== '[') {
    // Empty for a body of only whitespace, where body-parser looks for the string "undefined": never found there.
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1] ?? '';
    if (first !== '{' && first !== '[') return { ok: false, message: strictViolation(text, first) };
  }
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * body-parser's `createStrictSyntaxError`: JSON.parse's own message for the text with everything from the
 * first non-space character on replaced by `#`, the placeholder then given back the original characters.
 */
function strictViolation(text: string, first: string): string {
  const index = first === '' ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.substring(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
    return 'strict violation';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return message.replace(SYNTAX_PLACEHOLDER, (placeholder) => text.substring(index, index + placeholder.length));
  }
}
