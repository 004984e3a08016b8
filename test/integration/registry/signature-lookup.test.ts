// Finding signatures (SPEC §8): cosign `.sig` tags and referrers-tag bundles on the real distribution registry (2.8,
// which has no referrers API), the referrers API itself and hostile answers on a small test server.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { parsedRef as ref } from '../../helpers/parsed-ref';
import {
  COSIGN_CONFIG,
  bundleManifest,
  cosignManifest,
  generateCosignKey,
  pushCosignSignatures,
  pushReferrerBundle,
  referrersIndex,
  signLayer,
  simpleSigningPayload,
} from '../../helpers/cosign-signatures';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type FakeServer,
  type PushedImage,
  type TestRegistry,
  describeWithRegistry,
  pushImage,
  sha256,
  startFakeServer,
  startTestRegistry,
} from '../../helpers/registry-server';
import { useRegistryClient } from '../../helpers/use-registry-client';

const SIGSTORE = path.join(__dirname, '..', '..', 'fixtures', 'cosign', 'sigstore-cosign');
const ATTESTATION = fs.readFileSync(path.join(SIGSTORE, 'oci-attestation.sigstore.json'));
const ATTESTED_DIGEST = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';

describeWithRegistry('signature look-up against docker-registry', {}, () => {
  let registry: TestRegistry;
  const client = useRegistryClient();
  let signed: PushedImage;
  let unsigned: PushedImage;
  let sigDigest: string;
  const key = generateCosignKey();

  beforeAll(async () => {
    registry = await startTestRegistry();
    signed = await pushImage(registry, 'team/signed', '1.0', { created: '2024-03-01T10:00:00Z' });
    unsigned = await pushImage(registry, 'team/signed', '2.0', { created: '2024-03-02T10:00:00Z' });
    const payload = simpleSigningPayload(`${registry.host}/team/signed`, signed.digest);
    sigDigest = await pushCosignSignatures(registry, 'team/signed', signed.digest, [signLayer(key, payload)]);
    await pushReferrerBundle(registry, 'team/attested', ATTESTED_DIGEST, ATTESTATION);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  test('finds the .sig layers with the payload bytes as pushed', async () => {
    const found = await client().signatures(ref(`${registry.host}/team/signed`), signed.digest);
    expect(found.problems).toEqual([]);
    expect(found.artifacts).toEqual([{
      kind: 'cosign',
      digest: sigDigest,
      signatures: [{
        payload: simpleSigningPayload(`${registry.host}/team/signed`, signed.digest),
        signature: expect.any(String),
        certificate: null,
        chain: null,
        rekorBundle: null,
      }],
    }]);
  });

  test('an unsigned image has no artifacts and no problems', async () => {
    expect(await client().signatures(ref(`${registry.host}/team/signed`), unsigned.digest)).toEqual({ artifacts: [], problems: [] });
  });

  test('falls back to the referrers tag when the registry has no referrers API', async () => {
    const found = await client().signatures(ref(`${registry.host}/team/attested`), ATTESTED_DIGEST);
    expect(found).toEqual({ artifacts: [{ kind: 'bundle', digest: expect.stringMatching(/^sha256:/), bundle: ATTESTATION }], problems: [] });
  });
});

describe('signature look-up against a test server', () => {
  const client = useRegistryClient();
  let server: FakeServer;
  let routes: Map<string, { readonly type: string; readonly body: Buffer }>;
  const IMAGE = `sha256:${'a'.repeat(64)}`;
  const SIG_TAG = `sha256-${'a'.repeat(64)}.sig`;

  beforeEach(async () => {
    routes = new Map();
    server = await startFakeServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      const route = routes.get(req.url ?? '');
      if (route === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
        return;
      }
      res.writeHead(200, { 'content-type': route.type, 'content-length': String(route.body.length) }).end(route.body);
    });
  });
  afterEach(async () => {
    await server.close();
  });

  const serve = (url: string, type: string, body: Buffer): void => void routes.set(`/v2/app${url}`, { type, body });

  test('reads bundles listed by the referrers API', async () => {
    const manifest = bundleManifest(ATTESTATION, { digest: IMAGE, size: 10 });
    serve(`/referrers/${IMAGE}`, OCI_INDEX, referrersIndex([{ digest: sha256(manifest), size: manifest.length }]));
    serve(`/manifests/${sha256(manifest)}`, OCI_MANIFEST, manifest);
    serve(`/blobs/${sha256(ATTESTATION)}`, 'application/octet-stream', ATTESTATION);
    const found = await client().signatures(ref(`${server.host}/app`), IMAGE);
    expect(found).toEqual({ artifacts: [{ kind: 'bundle', digest: sha256(manifest), bundle: ATTESTATION }], problems: [] });
    expect(server.requests.map((r) => r.url)).not.toContain(`/v2/app/manifests/sha256-${'a'.repeat(64)}`);
  });

  test('a signature layer whose blob does not match its digest gives no artifact, and says why', async () => {
    const payload = simpleSigningPayload('app', IMAGE);
    const layer = signLayer(generateCosignKey(), payload);
    serve(`/manifests/${SIG_TAG}`, OCI_MANIFEST, cosignManifest([layer], COSIGN_CONFIG));
    serve(`/blobs/${sha256(payload)}`, 'application/octet-stream', Buffer.from(payload.toString().replace('app', 'ppa')));
    const found = await client().signatures(ref(`${server.host}/app`), IMAGE);
    expect(found.artifacts).toEqual([]);
    expect(found.problems).toEqual([
      `signature manifest ${server.host}/app:${SIG_TAG} layers[0] payload: content has digest ${sha256(Buffer.from(payload.toString().replace('app', 'ppa')))}, but the manifest says ${sha256(payload)}`,
    ]);
  });

  test('garbage and oversized signature manifests give no artifact, never an exception', async () => {
    serve(`/manifests/${SIG_TAG}`, OCI_MANIFEST, Buffer.from('<html>not json</html>'));
    serve(`/referrers/${IMAGE}`, OCI_INDEX, Buffer.alloc(2 * 1024 * 1024, 0x20));
    const found = await client().signatures(ref(`${server.host}/app`), IMAGE);
    expect(found.artifacts).toEqual([]);
    expect(found.problems).toEqual([
      `signature manifest ${server.host}/app:${SIG_TAG} is not JSON (Content-Type ${OCI_MANIFEST}): not a registry answer`,
      `${server.host} sent more than 1048576 bytes for /v2/app/referrers/${IMAGE}: refused`,
    ]);
  });
});
