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
  const json = parseJson(payload);
  const critical = member(json, 'critical');
  const type = member(critical, 'type');
  if (type !== COSIGN_SIGNATURE_TYPE) return { ok: false, problem: `payload critical.type is not "${COSIGN_SIGNATURE_TYPE}"` };
  const signed = member(member(critical, 'image'), 'docker-manifest-digest');
  if (typeof signed !== 'string') return { ok: false, problem: 'payload has no critical.image.docker-manifest-digest' };
  if (signed !== digest) return { ok: false, problem: `digest claim mismatch: the payload signs ${signed}` };
  return { ok: true };
}

/** Whether an in-toto statement (a DSSE payload) names `digest` (`sha256:<hex>`) among its subjects. */
export function inTotoClaims(payloadType: string, payload: Buffer, digest: string): Claim {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ok: false, problem: `DSSE payload type ${payloadType} is not an in-toto statement` };
  const subjects = member(parseJson(payload), 'subject');
  if (!Array.isArray(subjects)) return { ok: false, problem: 'in-toto statement has no subject list' };
  const colon = digest.indexOf(':');
  const [algorithm, hex] = [digest.slice(0, colon), digest.slice(colon + 1)];
  const named = subjects.some((subject: unknown) => member(member(subject, 'digest'), algorithm) === hex);
  return named ? { ok: true } : { ok: false, problem: `digest claim mismatch: the in-toto statement does not name ${digest}` };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** An own property of a plain JSON object, or undefined (`__proto__` and inherited names are never read). */
function member(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.prototype.hasOwnProperty.call(value, key) ? Reflect.get(value, key) : undefined;
}
