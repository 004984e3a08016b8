// A real registry for integration tests: Debian's reference distribution registry (`docker-registry`,
// github.com/docker/distribution) on a free loopback port, fed over the registry HTTP API itself
// (distribution-spec "Pushing blobs" / "Pushing manifests") so no Docker daemon is needed.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const HTPASSWD_BINARY = '/usr/bin/htpasswd';
export const INSTALL_HINT = 'apt-get install -y docker-registry apache2-utils';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  readonly host: string;
  readonly credentials: { readonly username: string; readonly password: string } | null;
  stop(): Promise<void>;
}

export interface PushedImage {
  readonly digest: string;
  readonly configDigest: string;
  readonly created: string;
  readonly mediaType: string;
}

export interface PlatformSpec {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly created: string;
}

/**
 * `describe`, or `describe.skip` with a visible warning naming what is missing, so a machine without the
 * registry binary (or `htpasswd`, for auth suites) never passes these tests silently.
 */
export function describeWithRegistry(name: string, needs: { readonly htpasswd?: boolean }, body: () => void): void {
  const missing = [REGISTRY_BINARY, ...(needs.htpasswd === true ? [HTPASSWD_BINARY] : [])].filter((f) => !existsSync(f));
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  console.warn(`SKIPPED "${name}": ${missing.join(' and ')} not installed; install with: ${INSTALL_HINT}`);
  describe.skip(name, body);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A distribution `notifications: endpoints:` entry: where the registry POSTs its event envelopes, with which headers. */
export interface NotificationEndpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export async function startTestRegistry(
  auth?: { readonly username: string; readonly password: string },
  notify?: NotificationEndpoint,
): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'image-reviewer-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}}, delete: {enabled: true}}`,
    `http: {addr: "127.0.0.1:${port}"}`,
  ];
  if (auth !== undefined) {
    // The registry's htpasswd auth accepts bcrypt entries only (distribution docs, "htpasswd").
    const entry = execFileSync(HTPASSWD_BINARY, ['-nbB', auth.username, auth.password], { encoding: 'utf8' }).trim();
    await writeFile(path.join(dir, 'htpasswd'), `${entry}\n`);
    lines.push(`auth: {htpasswd: {realm: test-registry, path: ${JSON.stringify(path.join(dir, 'htpasswd'))}}}`);
  }
  if (notify !== undefined) {
    // Distribution's notifications block (docs/configuration.md "notifications"): short timeout and backoff so a
    // test sees a delivery (or its retry) within seconds.
    const headers = Object.entries(notify.headers).map(([name, value]) => `${name}: [${JSON.stringify(value)}]`).join(', ');
    lines.push(`notifications: {endpoints: [{name: reviewer, url: ${JSON.stringify(notify.url)}, headers: {${headers}}, timeout: 2s, threshold: 3, backoff: 1s}]}`);
  }
  await writeFile(path.join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child = spawn(REGISTRY_BINARY, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const host = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(host, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, credentials: auth ?? null, stop };
}

async function waitUntilServing(host: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    try {
      const res = await request(`http://${host}/v2/`);
      await res.body.dump();
      if (res.statusCode === 200 || res.statusCode === 401) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`docker-registry did not answer on ${host} within 10 s: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function authHeader(registry: TestRegistry): Record<string, string> {
  const c = registry.credentials;
  return c === null ? {} : { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
}

/** Monolithic upload: POST to open an upload session, PUT the bytes with `?digest=` to close it. */
export async function pushBlob(registry: TestRegistry, repository: string, body: Buffer): Promise<{ readonly digest: string; readonly size: number }> {
  const digest = sha256(body);
  const start = await request(`http://${registry.host}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: authHeader(registry) });
  await start.body.dump();
  const location = start.headers.location;
  if (start.statusCode !== 202 || typeof location !== 'string') throw new Error(`upload start answered ${start.statusCode}`);
  const url = new URL(location, `http://${registry.host}`);
  url.searchParams.set('digest', digest);
  const put = await request(url, {
    method: 'PUT',
    headers: { ...authHeader(registry), 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    body,
  });
  const text = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`blob upload answered ${put.statusCode}: ${text}`);
  return { digest, size: body.length };
}

export async function pushManifest(registry: TestRegistry, repository: string, reference: string, mediaType: string, body: Buffer): Promise<string> {
  const res = await request(`http://${registry.host}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...authHeader(registry), 'content-type': mediaType },
    body,
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`manifest PUT answered ${res.statusCode}: ${text}`);
  return sha256(body);
}

export interface ImageSpec {
  readonly created: string;
  readonly format?: 'docker' | 'oci';
  readonly architecture?: string;
  readonly os?: string;
}

export interface ImageDocuments {
  readonly config: Buffer;
  readonly layer: Buffer;
  readonly manifest: Buffer;
  readonly mediaType: string;
  readonly digest: string;
  readonly configDigest: string;
}

/** The documents of a single-platform image: config blob with `created`, one layer, a Docker v2 or OCI manifest. */
export function buildImage(repository: string, spec: ImageSpec): ImageDocuments {
  const oci = spec.format !== 'docker';
  const architecture = spec.architecture ?? 'amd64';
  const layer = Buffer.from(`layer ${repository} ${architecture} ${spec.created}`);
  const config = Buffer.from(JSON.stringify({
    created: spec.created,
    architecture,
    os: spec.os ?? 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
  }));
  const mediaType = oci ? OCI_MANIFEST : DOCKER_MANIFEST;
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [{
      mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      digest: sha256(layer),
      size: layer.length,
    }],
  }));
  return { config, layer, manifest, mediaType, digest: sha256(manifest), configDigest: sha256(config) };
}

/** Pushes a single-platform image (blobs, then the manifest under `tag`, or by digest when `tag` is null). */
export async function pushImage(registry: TestRegistry, repository: string, tag: string | null, spec: ImageSpec): Promise<PushedImage> {
  const image = buildImage(repository, spec);
  await pushBlob(registry, repository, image.config);
  await pushBlob(registry, repository, image.layer);
  const digest = await pushManifest(registry, repository, tag ?? image.digest, image.mediaType, image.manifest);
  return { digest, configDigest: image.configDigest, created: spec.created, mediaType: image.mediaType };
}

/** An OCI index over one image per platform, plus (optionally) a BuildKit-style attestation manifest. */
export async function pushIndex(
  registry: TestRegistry,
  repository: string,
  tag: string,
  platforms: readonly PlatformSpec[],
  withAttestation = false,
): Promise<{ readonly digest: string; readonly children: readonly PushedImage[] }> {
  const children: PushedImage[] = [];
  const manifests: unknown[] = [];
  for (const p of platforms) {
    const child = await pushImage(registry, repository, null, { created: p.created, architecture: p.architecture, os: p.os, format: 'oci' });
    children.push(child);
    const size = await manifestSize(registry, repository, child.digest);
    const platform = { architecture: p.architecture, os: p.os, ...(p.variant === undefined ? {} : { variant: p.variant }) };
    manifests.push({ mediaType: OCI_MANIFEST, digest: child.digest, size, platform });
  }
  if (withAttestation && children[0] !== undefined) {
    // Dated long before the platforms: it must not count as the index's build time.
    const attestation = await pushImage(registry, repository, null, { created: '2000-01-01T00:00:00Z', architecture: 'unknown', os: 'unknown' });
    manifests.push({
      mediaType: OCI_MANIFEST,
      digest: attestation.digest,
      size: await manifestSize(registry, repository, attestation.digest),
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': children[0].digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  const digest = await pushManifest(registry, repository, tag, OCI_INDEX, index);
  return { digest, children };
}

async function manifestSize(registry: TestRegistry, repository: string, digest: string): Promise<number> {
  const res = await request(`http://${registry.host}/v2/${repository}/manifests/${digest}`, {
    headers: { ...authHeader(registry), accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}` },
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`manifest GET answered ${res.statusCode}`);
  return body.length;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The client's port: equal ports mean one reused connection. */
  readonly remotePort: number | undefined;
}

export interface FakeServer {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny in-process HTTP server on loopback, for the cases a real registry cannot produce (wrong digests,
 * truncated bodies, redirect loops, 503 with Retry-After, token services).
 */
export async function startFakeServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, remotePort: req.socket.remotePort });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server has no port');
  return {
    host: `127.0.0.1:${address.port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
