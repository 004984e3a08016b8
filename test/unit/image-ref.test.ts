import { factsKey, parseImageRef } from '../../src/core/image-ref';

const D = 'sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a';
const D512 = `sha512:${'0123456789abcdef'.repeat(8)}`;
const HEX64 = 'ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7';

// [input, registry, path, tag, digest]
const valid: readonly (readonly [string, string, string, string | null, string | null])[] = [
  ['nginx', 'docker.io', 'library/nginx', null, null],
  ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', null],
  ['nginx:latest', 'docker.io', 'library/nginx', 'latest', null],
  ['library/nginx', 'docker.io', 'library/nginx', null, null],
  ['docker.io/nginx', 'docker.io', 'library/nginx', null, null],
  ['docker.io/library/nginx:1.25', 'docker.io', 'library/nginx', '1.25', null],
  ['index.docker.io/library/nginx', 'docker.io', 'library/nginx', null, null],
  ['index.docker.io/nginx', 'docker.io', 'library/nginx', null, null],
  ['bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', null],
  ['my-registry/app', 'docker.io', 'my-registry/app', null, null],
  ['docker.io/bitnami/redis', 'docker.io', 'bitnami/redis', null, null],
  ['localhost/app', 'localhost', 'app', null, null],
  ['localhost:5000/app', 'localhost:5000', 'app', null, null],
  [`localhost:5000/app:1@${D}`, 'localhost:5000', 'app', '1', D],
  // Without a slash, `localhost` is a Docker Hub name, as in distribution's splitDockerDomain.
  ['localhost', 'docker.io', 'library/localhost', null, null],
  ['localhost:5000', 'docker.io', 'library/localhost', '5000', null],
  ['registry.corp.example:5443/team/app', 'registry.corp.example:5443', 'team/app', null, null],
  ['registry.corp.example/payments/api:2.4.1', 'registry.corp.example', 'payments/api', '2.4.1', null],
  // Hosts are case-insensitive: lowercased once here, so every key (approvals, scans, audit) agrees.
  ['registry.Example.com/app', 'registry.example.com', 'app', null, null],
  [`REGISTRY.CORP.EXAMPLE/x@${D}`, 'registry.corp.example', 'x', null, D],
  ['INDEX.DOCKER.IO/nginx', 'docker.io', 'library/nginx', null, null],
  ['Docker.IO/library/nginx', 'docker.io', 'library/nginx', null, null],
  ['[2001:DB8::1]:5000/app', '[2001:db8::1]:5000', 'app', null, null],
  ['quay.io/cloudservices/xjoin-kafka-connect-strimzi:latest', 'quay.io', 'cloudservices/xjoin-kafka-connect-strimzi', 'latest', null],
  ['ghcr.io/example/api:1.4.2', 'ghcr.io', 'example/api', '1.4.2', null],
  ['gcr.io/a/b/c/d', 'gcr.io', 'a/b/c/d', null, null],
  ['127.0.0.1:5000/app', '127.0.0.1:5000', 'app', null, null],
  ['[::1]:5000/app', '[::1]:5000', 'app', null, null],
  ['[2001:db8::1]/app:v1', '[2001:db8::1]', 'app', 'v1', null],
  ['registry:5000/app', 'registry:5000', 'app', null, null],
  ['my-host.example-corp.com/app', 'my-host.example-corp.com', 'app', null, null],
  [`nginx@${D}`, 'docker.io', 'library/nginx', null, D],
  [`a/b:tag@${D}`, 'docker.io', 'a/b', 'tag', D],
  [`alpine@${D}`, 'docker.io', 'library/alpine', null, D],
  [`registry.corp.example/team/app@${D512}`, 'registry.corp.example', 'team/app', null, D512],
  ['a_b/c__d/e-f/g--h/i.j', 'docker.io', 'a_b/c__d/e-f/g--h/i.j', null, null],
  ['a---b', 'docker.io', 'library/a---b', null, null],
  ['app:V1.0_RC-2', 'docker.io', 'library/app', 'V1.0_RC-2', null],
  ['app:_hidden', 'docker.io', 'library/app', '_hidden', null],
  [`app:${'t'.repeat(128)}`, 'docker.io', 'library/app', 't'.repeat(128), null],
  ['0/1', 'docker.io', '0/1', null, null],
  [`${'a'.repeat(247)}`, 'docker.io', `library/${'a'.repeat(247)}`, null, null],
  [`example.com/${'a'.repeat(255)}`, 'example.com', 'a'.repeat(255), null, null],
];

const invalid: readonly (readonly [string, string])[] = [
  ['', 'empty reference'],
  [' nginx', 'reference contains whitespace'],
  ['nginx ', 'reference contains whitespace'],
  ['ngi nx', 'reference contains whitespace'],
  ['nginx\n', 'reference contains whitespace'],
  ['nginx\u0000', 'reference contains control characters'],
  ['nginx\u007f', 'reference contains control characters'],
  ['nginx\u00e9', 'reference contains non-ASCII characters'],
  ['ｎginx', 'reference contains non-ASCII characters'],
  ['Foo/bar', 'repository name must be lowercase'],
  ['NGINX', 'repository name must be lowercase'],
  ['registry.example.com/App', 'repository name must be lowercase'],
  ['docker.io/Library/nginx', 'repository name must be lowercase'],
  [':tag', 'missing repository name'],
  [`@${D}`, 'missing repository name'],
  ['registry.example.com/', 'missing repository name'],
  ['registry.example.com/:tag', 'missing repository name'],
  ['a//b', 'repository name "a//b" has an empty path component'],
  ['/app', 'repository name "/app" has an empty path component'],
  ['app/', 'repository name "app/" has an empty path component'],
  ['-app', 'invalid repository name component "-app"'],
  ['app-', 'invalid repository name component "app-"'],
  ['a..b', 'invalid repository name component "a..b"'],
  ['a___b', 'invalid repository name component "a___b"'],
  ['a/.b', 'invalid repository name component ".b"'],
  ['a/b$', 'invalid repository name component "b$"'],
  ['nginx:', 'empty tag'],
  ['nginx:-x', 'invalid tag "-x"'],
  ['nginx:.x', 'invalid tag ".x"'],
  ['nginx:a:b', 'invalid tag "a:b"'],
  ['nginx:a+b', 'invalid tag "a+b"'],
  [`app:${'t'.repeat(129)}`, `invalid tag "${'t'.repeat(77)}..."`],
  ['nginx@', 'empty digest'],
  ['nginx@sha256', 'invalid digest "sha256": expected algorithm:hex'],
  ['nginx@sha256:abc', 'invalid sha256 digest: expected 64 lowercase hex characters'],
  [`nginx@sha256:${HEX64}0`, 'invalid sha256 digest: expected 64 lowercase hex characters'],
  [`nginx@sha256:${HEX64.toUpperCase()}`, 'invalid sha256 digest: expected 64 lowercase hex characters'],
  [`nginx@sha256:${'g'.repeat(64)}`, 'invalid sha256 digest: expected 64 lowercase hex characters'],
  [`nginx@sha512:${HEX64}`, 'invalid sha512 digest: expected 128 lowercase hex characters'],
  ['nginx@md5:0123456789abcdef0123456789abcdef', 'unsupported digest algorithm "md5"'],
  [`nginx@sha384:${'ab'.repeat(48)}`, 'unsupported digest algorithm "sha384"'],
  [`nginx@sha256+b64:${HEX64}`, 'unsupported digest algorithm "sha256+b64"'],
  ['nginx@md5:xyz', 'invalid digest "md5:xyz"'],
  ['nginx@sha256:test', 'invalid sha256 digest: expected 64 lowercase hex characters'],
  [`nginx@1sha:${HEX64}`, 'invalid digest algorithm "1sha"'],
  [`nginx@${D}@${D}`, 'reference contains more than one "@"'],
  [`nginx@@${D}`, 'reference contains more than one "@"'],
  [HEX64, 'reference is a 64-character image ID, not a repository name'],
  ['registry..example.com/app', 'invalid registry host "registry..example.com"'],
  ['-registry.example.com/app', 'invalid registry host "-registry.example.com"'],
  ['registry.example.com:/app', 'invalid registry port in "registry.example.com:"'],
  ['registry.example.com:50a/app', 'invalid registry port in "registry.example.com:50a"'],
  ['registry_x.example.com/app', 'invalid registry host "registry_x.example.com"'],
  ['[::1/app', 'invalid registry host "[::1"'],
  ['[::1]x/app', 'invalid registry host "[::1]x"'],
  ['[fe80::1%eth0]/app', 'invalid registry host "[fe80::1%eth0]"'],
  ['nginx:1.0/foo', 'invalid registry port in "nginx:1.0"'],
  [`${'a'.repeat(248)}`, 'repository name must not be more than 255 characters'],
  [`example.com/${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
  [`example.com/${'a/'.repeat(127)}bc`, 'repository name must not be more than 255 characters'],
  ['a'.repeat(4097), 'reference longer than 4096 characters'],
];

describe('parseImageRef', () => {
  test('the tables are large', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(60);
  });

  test.each(valid)('%s is valid', (input, registry, path, tag, digest) => {
    expect(parseImageRef(input)).toEqual({
      ok: true,
      ref: { original: input, registry, path, repository: `${registry}/${path}`, tag, digest },
    });
  });

  test.each(invalid)('%j is refused', (input, error) => {
    expect(parseImageRef(input)).toEqual({ ok: false, error });
  });

  test.each([
    ['a'.repeat(100_000), 'reference longer than 4096 characters'],
    [`${'a-'.repeat(2000)}!`, 'invalid repository name component "a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a..."'],
    [`a@sha256:${'a'.repeat(4000)}`, 'invalid sha256 digest: expected 64 lowercase hex characters'],
    [`a@${'a.'.repeat(2000)}:00`, `invalid digest algorithm "${'a.'.repeat(38)}a..."`],
  ])('hostile input %#', (input, error) => {
    expect(parseImageRef(input)).toEqual({ ok: false, error });
  });
});

describe('factsKey', () => {
  test('joins repository and digest', () => {
    expect(factsKey('docker.io/library/nginx', D)).toBe(`docker.io/library/nginx@${D}`);
  });

  test('equals the repository@digest of a parsed reference', () => {
    const parsed = parseImageRef(`nginx:1.25@${D}`);
    if (!parsed.ok || parsed.ref.digest === null) throw new Error('expected a digest reference');
    expect(factsKey(parsed.ref.repository, parsed.ref.digest)).toBe(`docker.io/library/nginx@${D}`);
  });
});
