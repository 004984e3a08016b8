// A `.sig` layer as a Sigstore bundle (v0.1), so that its Fulcio certificate chain, SCT and Rekor entry are checked by
// @sigstore/verify exactly as a bundle from a referrer would be. cosign's layer annotations hold the same material the
// bundle format later standardised: the certificate and chain as PEM, and the Rekor "bundle"
// (`{"SignedEntryTimestamp", "Payload": {"body", "integratedTime", "logIndex", "logID"}}`, cosign pkg/cosign/bundle).
import { createHash } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { jsonMember } from '../core/signature-claims';
import type { CosignSignature } from '../registry/fetch-signature-artifacts';

const BUNDLE_V01 = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g;

/** Verification by key: the key is named by a hint that the verifier's key finder resolves to the trusted key. */
export const KEY_HINT = 'policy-key';

/** Throws (with a message for the failure reason) when the annotations do not form a bundle. */
export function cosignLayerBundle(layer: CosignSignature, by: 'key' | 'certificate'): Bundle {
  const verificationMaterial = {
    ...(by === 'key' ? { publicKey: { hint: KEY_HINT } } : { x509CertificateChain: { certificates: certificates(layer) } }),
    tlogEntries: layer.rekorBundle === null ? [] : [tlogEntry(layer.rekorBundle)],
    timestampVerificationData: undefined,
  };
  return bundleFromJSON({
    mediaType: BUNDLE_V01,
    verificationMaterial,
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(layer.payload).digest('base64') },
      signature: layer.signature,
    },
  });
}

function certificates(layer: CosignSignature): { rawBytes: string }[] {
  if (layer.certificate === null) throw new Error('the signature has no certificate');
  const pems = [layer.certificate, layer.chain ?? ''].join('\n');
  return [...pems.matchAll(PEM_CERTIFICATE)].map((match) => ({ rawBytes: match[1]!.replace(/\s+/g, '') }));
}

function tlogEntry(annotation: string): unknown {
  const json: unknown = JSON.parse(annotation);
  const set = jsonMember(json, 'SignedEntryTimestamp');
  const payload = jsonMember(json, 'Payload');
  const body = jsonMember(payload, 'body');
  const integratedTime = jsonMember(payload, 'integratedTime');
  const logIndex = jsonMember(payload, 'logIndex');
  const logId = jsonMember(payload, 'logID');
  if (typeof set !== 'string' || typeof body !== 'string' || typeof logId !== 'string' || !/^[0-9a-f]{64}$/.test(logId)) {
    throw new Error('the Rekor bundle annotation is malformed');
  }
  if (!Number.isSafeInteger(integratedTime) || !Number.isSafeInteger(logIndex)) throw new Error('the Rekor bundle annotation is malformed');
  const entryBody: unknown = JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
  const kind = jsonMember(entryBody, 'kind');
  const version = jsonMember(entryBody, 'apiVersion');
  if (typeof kind !== 'string' || typeof version !== 'string') throw new Error('the Rekor entry body names no kind');
  return {
    logIndex: String(logIndex),
    logId: { keyId: Buffer.from(logId, 'hex').toString('base64') },
    kindVersion: { kind, version },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: set },
    inclusionProof: undefined,
    canonicalizedBody: body,
  };
}
