'use strict';
// Scenario (f) of the bench (issue 12): a `signatures` entry with `approves: true`, so the reviewer verifies the
// image's cosign signature itself, and a warm verification cache. A small registry on loopback serves the one
// signed digest in cosign's classic scheme (the `.sig` tag, one simple-signing layer, ECDSA P-256 signature made
// here with node:crypto) and answers 404 for referrers; after the first review the verification is served from the
// reviewer's cache (tagCacheSeconds, set to an hour here), so the registry is asked once per run.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { digestOf, imageReview } = require('./review-bodies');

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const REPOSITORY = 'bench/signed';
const SIGNED_DIGEST = digestOf('bench-signed');

const sha256 = (bytes) => `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;

/** The `.sig` manifest and its blobs for `repository@digest`, signed with `privateKey` (as `cosign sign --key`). */
function cosignArtifacts(repository, digest, privateKey) {
  const payload = Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
    optional: null,
  }));
  const config = Buffer.from('{}');
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256(config) },
    layers: [{
      mediaType: SIMPLE_SIGNING,
      size: payload.length,
      digest: sha256(payload),
      annotations: { 'dev.cosignproject.cosign/signature': crypto.sign('sha256', payload, privateKey).toString('base64') },
    }],
  }));
  return { manifest, blobs: new Map([[sha256(payload), payload], [sha256(config), config]]) };
}

/**
 * Starts the registry and writes the policy of scenario (f) into `workDir`: the sample policy plus this registry and
 * a `signatures` entry for it. Returns the ImageReview body, the image (to scan) and `stop`.
 */
async function startSignedRegistry(workDir, samplePolicy) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(path.join(workDir, 'bench-signing.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  let artifacts = null;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const manifest = `/v2/${REPOSITORY}/manifests/sha256-${SIGNED_DIGEST.slice(7)}.sig`;
    if (url === '/v2/') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    if (url === manifest) {
      res.writeHead(200, { 'Content-Type': OCI_MANIFEST, 'Docker-Content-Digest': sha256(artifacts.manifest) });
      return void res.end(req.method === 'HEAD' ? undefined : artifacts.manifest);
    }
    const blob = url.startsWith(`/v2/${REPOSITORY}/blobs/`) ? artifacts.blobs.get(url.slice(url.lastIndexOf('/') + 1)) : undefined;
    if (blob !== undefined) return void res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(blob);
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${server.address().port}`;
  artifacts = cosignArtifacts(`${host}/${REPOSITORY}`, SIGNED_DIGEST, privateKey);
  const image = `${host}/${REPOSITORY}@${SIGNED_DIGEST}`;
  const policy = path.join(workDir, 'bench-signed-policy.yaml');
  const sample = fs.readFileSync(samplePolicy, 'utf8');
  if (!/^registries:\n/m.test(sample) || !/^tagCacheSeconds: \d+/m.test(sample)) throw new Error(`${samplePolicy}: registries or tagCacheSeconds not where the bench expects them`);
  fs.writeFileSync(policy, sample
    .replace(/^registries:\n/m, `registries:\n  - "${host}"\n`)
    .replace(/^tagCacheSeconds: \d+/m, 'tagCacheSeconds: 3600')
    .concat(`\nsignatures:\n  - {repository: "${host}/${REPOSITORY}", keys: [bench-signing.pub], approves: true}\n`));
  return {
    image,
    policy,
    scenario: { body: imageReview([image], 'prod-bench'), allowed: true },
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

module.exports = { startSignedRegistry };
