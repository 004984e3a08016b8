// The sentence sent as `status.reason`. The API server shows it as "image policy webhook backend denied one or more
// images: <reason>" (SPEC §2), so it names each denied image and why, briefly. Image strings and annotation values
// come from pods and are hostile: control and bidi characters are escaped, lengths are capped.
import type { ImageVerdict } from './types';
import { plural } from './rules/format-time';

/** Whole-reason cap: the reason is logged, stored and shown by kubectl, which all want a line, not a page. */
export const MAX_REASON_LENGTH = 4096;
const MAX_IMAGE_LENGTH = 200;
const MAX_MESSAGE_LENGTH = 200;
const MAX_TICKET_LENGTH = 100;
const TAIL_RESERVE = '; … and 99999 more images'.length;

export type ReasonSummary =
  /** `unchanged`: images of an UPDATE that the old object already ran (`/validate`), not judged again. */
  | { readonly kind: 'no-images'; readonly unchanged: number }
  | { readonly kind: 'exempt'; readonly namespace: string }
  | { readonly kind: 'approved'; readonly count: number }
  | { readonly kind: 'denied'; readonly images: readonly ImageVerdict[]; readonly note: string | null }
  | { readonly kind: 'dry-run'; readonly images: readonly ImageVerdict[] }
  | { readonly kind: 'too-many-images'; readonly problem: string; readonly note: string | null; readonly dryRun: boolean }
  | { readonly kind: 'break-glass'; readonly images: readonly ImageVerdict[]; readonly ticket: string | null };

export function reasonText(summary: ReasonSummary): string {
  switch (summary.kind) {
    case 'no-images':
      if (summary.unchanged > 0) return `no new images to review (${plural(summary.unchanged, 'image')} unchanged by this update)`;
      return 'no containers to review';
    case 'exempt':
      return `namespace ${summary.namespace === '' ? '<none>' : displayText(summary.namespace, 253)} is exempt`;
    case 'approved':
      return summary.count === 1 ? '1 image approved' : `all ${summary.count} images approved`;
    case 'denied':
      return denialText(summary.images, '', summary.note === null ? '' : `; ${displayText(summary.note, 300)}`);
    case 'dry-run':
      return denialText(summary.images, 'dry-run: would deny: ', '');
    case 'too-many-images': {
      const text = `too-many-images (${displayText(summary.problem, MAX_MESSAGE_LENGTH)})`;
      if (summary.dryRun) return `dry-run: would deny: ${text}`;
      return summary.note === null ? text : `${text}; ${summary.note}`;
    }
    case 'break-glass': {
      const ticket = summary.ticket === null ? 'no ticket' : `ticket ${displayText(summary.ticket, MAX_TICKET_LENGTH)}`;
      return denialText(summary.images, `break-glass (${ticket}): allowed despite: `, '');
    }
  }
}

/**
 * `image: code (message), code (message); image2: …` for the images that failed, within MAX_REASON_LENGTH
 * including prefix and suffix; images that do not fit are counted ("… and 3 more images").
 */
export function denialText(images: readonly ImageVerdict[], prefix: string, suffix: string): string {
  const denied = images.filter((image) => image.reasons.length > 0);
  const parts: string[] = [];
  let length = prefix.length + suffix.length;
  for (const [index, image] of denied.entries()) {
    const part = describeImage(image);
    // Room for the "… and N more images" tail must remain while images are left after this one.
    const reserve = index < denied.length - 1 ? TAIL_RESERVE : 0;
    if (parts.length > 0 && length + 2 + part.length + reserve > MAX_REASON_LENGTH) {
      const more = denied.length - index;
      parts.push(`… and ${more} more ${more === 1 ? 'image' : 'images'}`);
      break;
    }
    parts.push(part);
    length += part.length + 2;
  }
  return truncate(`${prefix}${parts.join('; ')}${suffix}`, MAX_REASON_LENGTH);
}

function describeImage(image: ImageVerdict): string {
  const reasons = image.reasons.map((reason) => {
    return `${reason.code} (${shortDigests(displayText(reason.message, MAX_MESSAGE_LENGTH))})`;
  });
  return `${shortDigests(displayText(image.image, MAX_IMAGE_LENGTH))}: ${reasons.join(', ')}`;
}

/** `sha256:0123456789ab…`: twelve hex digits name a digest well enough in a one-line reason; the audit has it whole. */
function shortDigests(text: string): string {
  return text.replace(/\b(sha256|sha512):([0-9a-f]{12})[0-9a-f]{20,}/g, '$1:$2…');
}

/**
 * Escapes characters that could forge or hide text in a terminal or a log line (C0/C1 controls, DEL, line and
 * paragraph separators, bidi overrides as in "Trojan Source", CVE-2021-42574), then caps the length with `…`.
 */
export function displayText(text: string, maxLength: number): string {
  const pieces: string[] = [];
  let length = 0;
  for (const char of text) {
    const piece = escapeChar(char);
    pieces.push(piece);
    length += piece.length;
    if (length > maxLength) break;
  }
  if (length <= maxLength) return pieces.join('');
  let out = '';
  for (const piece of pieces) {
    if (out.length + piece.length > maxLength - 1) break;
    out += piece;
  }
  return `${out}…`;
}

function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  const hidden =
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069);
  if (!hidden) return char;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
