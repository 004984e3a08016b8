import fs from 'node:fs';
import path from 'node:path';
import { parsePolicy } from '../../../src/core/policy';
import type { CompiledPolicy, SignatureVerification } from '../../../src/core/types';
import type { CosignSignature, FoundSignatures } from '../../../src/registry/fetch-signature-artifacts';
import { signatureTrustLoader } from '../../../src/signatures/load-signature-trust';
import { verifySignatures } from '../../../src/signatures/verify-signatures';

const CONNAISSEUR = path.join(__dirname, '..', '..', 'fixtures', 'cosign', 'connaisseur');
const SIGSTORE = path.join(__dirname, '..', '..', 'fixtures', 'cosign', 'sigstore-cosign');
const NOW = Date.parse('2025-06-01T00:00:00Z');

const ALICE_IMAGE = 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81';
const TRIO_IMAGE = 'sha256:bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533';
const KEYLESS_IMAGE = 'sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee';
const ATTESTED_IMAGE = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';

function policy(lines: readonly string[]): CompiledPolicy {
  const parsed = parsePolicy(['signatures:', ...lines].join('\n'), 'test', signatureTrustLoader(CONNAISSEUR));
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.policy;
}

/** The `.sig` manifest for an image digest as the registry serves it, with its layers' blobs. */
function cosignArtifact(imageDigest: string): FoundSignatures {
  const name = `sha256-${imageDigest.slice(7)}.sig.json`;
  const manifest = JSON.parse(fs.readFileSync(path.join(CONNAISSEUR, 'manifests', name), 'utf8')) as {
    layers: { digest: string; annotations: Record<string, string> }[];
  };
  const signatures: CosignSignature[] = manifest.layers.map((layer) => ({
    payload: fs.readFileSync(path.join(CONNAISSEUR, 'blobs', `${layer.digest}.json`)),
    signature: layer.annotations['dev.cosignproject.cosign/signature']!,
    certificate: layer.annotations['dev.sigstore.cosign/certificate'] ?? null,
    chain: layer.annotations['dev.sigstore.cosign/chain'] ?? null,
    rekorBundle: layer.annotations['dev.sigstore.cosign/bundle'] ?? null,
  }));
  return { artifacts: [{ kind: 'cosign', digest: 'sha256:sigmanifest', signatures }], problems: [] };
}

function verify(found: FoundSignatures, digest: string, compiled: CompiledPolicy): SignatureVerification {
  return verifySignatures(found, digest, compiled.policy.signatures[0]!, compiled.signatureTrust[0]!, NOW);
}

describe('verifySignatures: cosign key-based simple signing (connaisseur samples)', () => {
  it('verifies alice’s signature with alice.pub and names the key and the artifact', () => {
    expect(verify(cosignArtifact(ALICE_IMAGE), ALICE_IMAGE, policy(['  - {repository: "*", keys: [alice.pub]}']))).toEqual({
      status: 'verified',
      evidence: { signers: ['alice.pub'], artifacts: ['sha256:sigmanifest'], verifiedAt: NOW },
    });
  });
  it('refuses a wrong key', () => {
    expect(verify(cosignArtifact(ALICE_IMAGE), ALICE_IMAGE, policy(['  - {repository: "*", keys: [default.pub]}']))).toEqual({
      status: 'failed',
      error: 'no valid signature: signature sha256:sigmanifest layers[0]: not signed by default.pub',
    });
  });
  it('counts distinct keys towards the threshold', () => {
    const trio = policy(['  - {repository: "*", keys: [alice.pub, bob.pub, charlie.pub], threshold: 3}']);
    expect(verify(cosignArtifact(TRIO_IMAGE), TRIO_IMAGE, trio)).toMatchObject({
      status: 'verified',
      evidence: { signers: ['alice.pub', 'bob.pub', 'charlie.pub'] },
    });
    const two = policy(['  - {repository: "*", keys: [alice.pub, bob.pub], threshold: 2}']);
    expect(verify(cosignArtifact(ALICE_IMAGE), ALICE_IMAGE, two)).toEqual({
      status: 'failed',
      error: 'threshold not reached: 1 of 2 trusted signers (alice.pub)',
    });
  });
  it('refuses a valid signature copied from another image (its payload names the other digest)', () => {
    expect(verify(cosignArtifact(ALICE_IMAGE), TRIO_IMAGE, policy(['  - {repository: "*", keys: [alice.pub]}']))).toEqual({
      status: 'failed',
      error: `no valid signature: signature sha256:sigmanifest layers[0]: digest claim mismatch: the payload signs ${ALICE_IMAGE}`,
    });
  });
  it('refuses a tampered payload', () => {
    const found = cosignArtifact(ALICE_IMAGE);
    const artifact = found.artifacts[0]!;
    if (artifact.kind !== 'cosign') throw new Error('expected a cosign artifact');
    const layer = artifact.signatures[0]!;
    const tampered = Buffer.from(layer.payload.toString('utf8').replace('"optional":null', '"optional":{"x":"y"}'));
    const result = verify({ ...found, artifacts: [{ ...artifact, signatures: [{ ...layer, payload: tampered }] }] }, ALICE_IMAGE, policy(['  - {repository: "*", keys: [alice.pub]}']));
    expect(result).toEqual({ status: 'failed', error: 'no valid signature: signature sha256:sigmanifest layers[0]: not signed by alice.pub' });
  });
  it('says when nothing was found', () => {
    expect(verify({ artifacts: [], problems: [] }, ALICE_IMAGE, policy(['  - {repository: "*", keys: [alice.pub]}']))).toEqual({
      status: 'failed',
      error: 'no signature found',
    });
  });
});

describe('verifySignatures: keyless (Fulcio certificate, Rekor SET) against the trusted root', () => {
  const root = path.join(SIGSTORE, 'trusted_root_pgi.json');
  const keyless = (issuer: string, subject: string): CompiledPolicy =>
    policy([`  - {repository: "*", keyless: [{issuer: "${issuer}", subject: "${subject}"}], trustedRoot: ${root}, transparencyLog: require}`]);
  it('verifies the chain, SCT and SET, and names the identity', () => {
    expect(verify(cosignArtifact(KEYLESS_IMAGE), KEYLESS_IMAGE, keyless('https://github.com/login/oauth', '*@securesystems.de'))).toEqual({
      status: 'verified',
      evidence: { signers: ['philipp.belitz@securesystems.de (https://github.com/login/oauth)'], artifacts: ['sha256:sigmanifest'], verifiedAt: NOW },
    });
  });
  it('refuses an identity the policy does not trust', () => {
    expect(verify(cosignArtifact(KEYLESS_IMAGE), KEYLESS_IMAGE, keyless('https://github.com/login/oauth', 'bob@*'))).toEqual({
      status: 'failed',
      error: 'no valid signature: signature sha256:sigmanifest layers[0]: certificate identity mismatch: philipp.belitz@securesystems.de (https://github.com/login/oauth) is not trusted',
    });
    expect(verify(cosignArtifact(KEYLESS_IMAGE), KEYLESS_IMAGE, keyless('https://accounts.google.com', '*'))).toMatchObject({ status: 'failed' });
  });
  it('refuses a signature without its transparency log entry', () => {
    const found = cosignArtifact(KEYLESS_IMAGE);
    const artifact = found.artifacts[0]!;
    if (artifact.kind !== 'cosign') throw new Error('expected a cosign artifact');
    const stripped = { ...found, artifacts: [{ ...artifact, signatures: [{ ...artifact.signatures[0]!, rekorBundle: null }] }] };
    expect(verify(stripped, KEYLESS_IMAGE, keyless('https://github.com/login/oauth', '*'))).toEqual({
      status: 'failed',
      error: 'no valid signature: signature sha256:sigmanifest layers[0]: transparency log proof missing',
    });
  });
});

describe('verifySignatures: Sigstore bundles (OCI 1.1 referrers)', () => {
  const root = path.join(SIGSTORE, 'trusted_root_pgi.json');
  const bundle = fs.readFileSync(path.join(SIGSTORE, 'oci-attestation.sigstore.json'));
  const found: FoundSignatures = { artifacts: [{ kind: 'bundle', digest: 'sha256:referrer', bundle }], problems: [] };
  const trusting = (subject: string): CompiledPolicy =>
    policy([`  - {repository: "*", keyless: [{issuer: "https://github.com/login/oauth", subject: "${subject}"}], trustedRoot: ${root}, transparencyLog: require}`]);
  it('verifies the DSSE bundle and its in-toto subject', () => {
    expect(verify(found, ATTESTED_IMAGE, trusting('cody@soyland.com'))).toEqual({
      status: 'verified',
      evidence: { signers: ['cody@soyland.com (https://github.com/login/oauth)'], artifacts: ['sha256:referrer'], verifiedAt: NOW },
    });
  });
  it('refuses it for another digest', () => {
    expect(verify(found, ALICE_IMAGE, trusting('*'))).toEqual({
      status: 'failed',
      error: `no valid signature: signature bundle sha256:referrer: digest claim mismatch: the in-toto statement does not name ${ALICE_IMAGE}`,
    });
  });
  it('refuses garbage', () => {
    const garbage: FoundSignatures = { artifacts: [{ kind: 'bundle', digest: 'sha256:referrer', bundle: Buffer.from('{"mediaType": 1}') }], problems: [] };
    expect(verify(garbage, ATTESTED_IMAGE, trusting('*'))).toMatchObject({ status: 'failed', error: expect.stringContaining('is not a Sigstore bundle') });
  });
});
