import { fieldValue, isJsonObject, parseJson } from './json-reader';

// What a signed payload claims (SPEC §5 `signatures`). A signature is only evidence for the digest its payload names:
// a valid signature copied under another image's `.sig` tag names the other image, and is refused.

/** cosign "simple signing" (containers/image docs/containers-signature.5.md, as cosign writes it). */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export type Claim = { readonly ok: true } | { readonly ok: false; readonly problem: string };

/**
 * Whether a simple-signing payload (the exact signed bytes) claims `digest`: `critical.type` must be the cosign
 * signature type and `critical.image.docker-manifest-digest` must equal the digest judged.
 */
export function simpleSigningClaims(payload: Buffer, digest: string): Claim {
  const json = parsePayload(payload);
  const critical = jsonMember(json, 'critical');
  const type = jsonMember(critical, 'type');
  if (type !== COSIGN_SIGNATURE_TYPE) return { ok: false, problem: `payload critical.type is not "${COSIGN_SIGNATURE_TYPE}"` };
  const signed = jsonMember(jsonMember(critical, 'image'), 'docker-manifest-digest');
  if (typeof signed !== 'string') return { ok: false, problem: 'payload has no critical.image.docker-manifest-digest' };
  if (signed !== digest) return { ok: false, problem: `digest claim mismatch: the payload signs ${signed}` };
  return { ok: true };
}

/** Whether an in-toto statement (a DSSE payload) names `digest` (`sha256:<hex>`) among its subjects. */
export function inTotoClaims(payloadType: string, payload: Buffer, digest: string): Claim {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ok: false, problem: `DSSE payload type ${payloadType} is not an in-toto statement` };
  const subjects = jsonMember(parsePayload(payload), 'subject');
  if (!Array.isArray(subjects)) return { ok: false, problem: 'in-toto statement has no subject list' };
  const colon = digest.indexOf(':');
  const [algorithm, hex] = [digest.slice(0, colon), digest.slice(colon + 1)];
  const named = subjects.some((subject: unknown) => jsonMember(jsonMember(subject, 'digest'), algorithm) === hex);
  return named ? { ok: true } : { ok: false, problem: `digest claim mismatch: the in-toto statement does not name ${digest}` };
}

/** A field of a JSON object, or undefined when the value is not one (inherited names are never read). */
export function jsonMember(value: unknown, key: string): unknown {
  return isJsonObject(value) ? fieldValue(value, key) : undefined;
}

function parsePayload(bytes: Buffer): unknown {
  const parsed = parseJson(bytes.toString('utf8'));
  return parsed.ok ? parsed.value : undefined;
}
