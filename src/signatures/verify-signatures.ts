// Whether the signature artifacts found for a digest satisfy one `signatures` entry (SPEC §5): each signature must
// verify with a trusted key (node:crypto, cosign simple signing) or a Fulcio certificate chaining to the trusted root
// whose issuer/subject match (@sigstore/verify), its payload must claim exactly the digest judged, and enough distinct
// trusted keys/identities must have signed (threshold). Pure apart from crypto: the artifacts were fetched before.
import { verify as verifySignature } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { type Signer, type TrustMaterial, Verifier, toSignedEntity } from '@sigstore/verify';
import { compileGlob } from '../core/glob';
import { type Claim, inTotoClaims, simpleSigningClaims } from '../core/signature-claims';
import type { SignatureRule, SignatureTrust, SignatureVerification, TrustedKey } from '../core/types';
import { errorMessage } from '../errors';
import type { CosignSignature, FoundSignatures, SignatureArtifact } from '../registry/fetch-signature-artifacts';
import { cosignLayerBundle } from './cosign-layer-bundle';

/** One signer that verified: which policy key/identity it counts as, and how evidence names it. */
interface Verified {
  readonly slot: string;
  readonly name: string;
  readonly artifact: string;
}

export function verifySignatures(
  found: FoundSignatures,
  digest: string,
  rule: SignatureRule,
  trust: SignatureTrust,
  now: number,
): SignatureVerification {
  const problems = [...found.problems];
  const verified: Verified[] = [];
  for (const artifact of found.artifacts) {
    for (const outcome of verifyArtifact(artifact, digest, rule, trust)) {
      if ('problem' in outcome) problems.push(outcome.problem);
      else verified.push(outcome);
    }
  }
  const slots = new Map<string, Verified>();
  for (const signer of verified) if (!slots.has(signer.slot)) slots.set(signer.slot, signer);
  if (slots.size >= rule.threshold) {
    const signers = [...new Set([...slots.values()].map((signer) => signer.name))].sort();
    const artifacts = [...new Set([...slots.values()].map((signer) => signer.artifact))].sort();
    return { status: 'verified', evidence: { signers, artifacts, verifiedAt: now } };
  }
  return { status: 'failed', error: failure(found, slots, rule, problems) };
}

function failure(found: FoundSignatures, slots: ReadonlyMap<string, Verified>, rule: SignatureRule, problems: readonly string[]): string {
  const why = problems.length === 0 ? '' : `: ${[...new Set(problems)].join('; ')}`;
  if (found.artifacts.length === 0 && found.problems.length === 0) return 'no signature found';
  if (slots.size > 0) {
    const names = [...new Set([...slots.values()].map((signer) => signer.name))].join(', ');
    return `threshold not reached: ${slots.size} of ${rule.threshold} trusted signers (${names})${why}`;
  }
  return `no valid signature${why}`;
}

type Outcome = Verified | { readonly problem: string };

function verifyArtifact(artifact: SignatureArtifact, digest: string, rule: SignatureRule, trust: SignatureTrust): Outcome[] {
  if (artifact.kind === 'bundle') return verifyBundleArtifact(artifact.bundle, artifact.digest, digest, rule, trust);
  return artifact.signatures.flatMap((layer, index): Outcome[] => {
    const where = `signature ${artifact.digest} layers[${index}]`;
    const claim = simpleSigningClaims(layer.payload, digest);
    if (!claim.ok) return [{ problem: `${where}: ${claim.problem}` }];
    const outcomes = [
      ...trust.keys.map((key) => verifyLayerWithKey(layer, key, rule, trust, artifact.digest)),
      ...(rule.keyless.length > 0 ? [verifyLayerKeyless(layer, rule, trust, artifact.digest)] : []),
    ];
    const signed = outcomes.filter((outcome): outcome is Verified => !('problem' in outcome));
    if (signed.length > 0) return signed;
    return [{ problem: `${where}: ${outcomes.map((outcome) => ('problem' in outcome ? outcome.problem : '')).join(', ')}` }];
  });
}

/** cosign signs with SHA-256 whatever the key (sigstore/sigstore signature.LoadVerifier(pub, crypto.SHA256)). */
function verifyLayerWithKey(layer: CosignSignature, key: TrustedKey, rule: SignatureRule, trust: SignatureTrust, artifact: string): Outcome {
  const signature = Buffer.from(layer.signature, 'base64');
  const algorithm = key.key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  if (!verifySignature(algorithm, layer.payload, key.key, signature)) return { problem: `not signed by ${key.file}` };
  if (rule.transparencyLog === 'require') {
    if (layer.rekorBundle === null) return { problem: `signed by ${key.file}, but transparency log proof missing` };
    const checked = sigstoreVerify(() => cosignLayerBundle(layer, 'key'), layer.payload, keyTrust(trust, key), true);
    if ('error' in checked) return { problem: `signed by ${key.file}, but ${checked.error}` };
  }
  return { slot: `key:${key.fingerprint}`, name: key.file, artifact };
}

function verifyLayerKeyless(layer: CosignSignature, rule: SignatureRule, trust: SignatureTrust, artifact: string): Outcome {
  if (layer.certificate === null) return { problem: 'no certificate (keyless)' };
  if (layer.rekorBundle === null) return { problem: 'transparency log proof missing' };
  if (trust.trustedRoot === null) return { problem: 'no trusted root' };
  const checked = sigstoreVerify(() => cosignLayerBundle(layer, 'certificate'), layer.payload, trust.trustedRoot, true);
  if ('error' in checked) return { problem: checked.error };
  return keylessIdentity(checked.signer, rule, artifact);
}

function verifyBundleArtifact(bytes: Buffer, artifact: string, digest: string, rule: SignatureRule, trust: SignatureTrust): Outcome[] {
  const where = `signature bundle ${artifact}`;
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(JSON.parse(bytes.toString('utf8')));
  } catch (err) {
    return [{ problem: `${where} is not a Sigstore bundle (${errorMessage(err)})` }];
  }
  if (bundle.content.$case !== 'dsseEnvelope') return [{ problem: `${where} signs a message, not an in-toto statement naming the image` }];
  const envelope = bundle.content.dsseEnvelope;
  const claim: Claim = inTotoClaims(envelope.payloadType, envelope.payload, digest);
  if (!claim.ok) return [{ problem: `${where}: ${claim.problem}` }];
  const requireLog = rule.transparencyLog === 'require';
  if (bundle.verificationMaterial.content.$case === 'publicKey') {
    const outcomes: Outcome[] = trust.keys.map((key) => {
      const checked = sigstoreVerify(() => bundle, undefined, keyTrust(trust, key), requireLog);
      return 'error' in checked ? { problem: `not signed by ${key.file}` } : { slot: `key:${key.fingerprint}`, name: key.file, artifact };
    });
    const signed = outcomes.filter((outcome): outcome is Verified => !('problem' in outcome));
    return signed.length > 0 ? signed : [{ problem: `${where}: ${outcomes.map((o) => ('problem' in o ? o.problem : '')).join(', ')}` }];
  }
  if (rule.keyless.length === 0 || trust.trustedRoot === null) return [{ problem: `${where} is signed with a certificate; the policy trusts keys only` }];
  const checked = sigstoreVerify(() => bundle, undefined, trust.trustedRoot, true);
  if ('error' in checked) return [{ problem: `${where}: ${checked.error}` }];
  return [keylessIdentity(checked.signer, rule, artifact)];
}

/** The first keyless entry whose issuer (exact) and subject (glob) match the certificate; each entry is one slot. */
function keylessIdentity(signer: Signer, rule: SignatureRule, artifact: string): Outcome {
  const subject = signer.identity?.subjectAlternativeName ?? '';
  const issuer = signer.identity?.extensions?.issuer ?? '';
  const index = rule.keyless.findIndex((entry) => entry.issuer === issuer && compileGlob(entry.subject)(subject));
  const name = `${subject} (${issuer})`;
  if (index === -1) return { problem: `certificate identity mismatch: ${name} is not trusted` };
  return { slot: `keyless:${index}`, name, artifact };
}

/** Trust material for a key: only the Rekor keys of the trusted root (when any) and this one public key. */
function keyTrust(trust: SignatureTrust, key: TrustedKey): TrustMaterial {
  const base = trust.trustedRoot ?? { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [] };
  return {
    ...base,
    // Whatever key hint a bundle carries, it is this trusted key that must verify it.
    publicKey: () => ({ publicKey: key.key, validFor: () => true }),
  };
}

/**
 * @sigstore/verify with thresholds the policy chose: a transparency-log entry (inclusion proof or promise, checked
 * offline against the root's Rekor keys) and a trusted time are required for certificates and for
 * `transparencyLog: require`; SCTs for certificates.
 */
function sigstoreVerify(
  bundle: () => Bundle,
  payload: Buffer | undefined,
  material: TrustMaterial,
  requireLog: boolean,
): { readonly signer: Signer } | { readonly error: string } {
  try {
    const built = bundle();
    const certificate = built.verificationMaterial.content.$case !== 'publicKey';
    const verifier = new Verifier(material, {
      tlogThreshold: requireLog ? 1 : 0,
      timestampThreshold: requireLog ? 1 : 0,
      ctlogThreshold: certificate ? 1 : 0,
    });
    return { signer: verifier.verify(toSignedEntity(built, payload)) };
  } catch (err) {
    return { error: describeVerificationError(err) };
  }
}

function describeVerificationError(err: unknown): string {
  const message = errorMessage(err);
  if (/tlog entries, got 0|timestamps, got 0/.test(message)) return 'transparency log proof missing';
  return message;
}
