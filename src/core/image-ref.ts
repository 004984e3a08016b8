// Image reference parsing and normalisation (SPEC §3), following the distribution reference grammar
// (github.com/distribution/reference: reference.go, regexp.go, normalize.go):
//   reference := name [ ":" tag ] [ "@" digest ];  name := [ domain "/" ] path
// The input is split by hand and each part checked with an anchored regex that has no ambiguous
// repetition, so hostile input cannot cause catastrophic backtracking.
import type { ImageRef } from './types';

export type ParsedRef = { readonly ok: true; readonly ref: ImageRef } | { readonly ok: false; readonly error: string };

/** The key used for facts look-ups: `${repository}@${digest}`. */
export function factsKey(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}

// Far longer than any real reference (255-character path, 128-character tag, sha512 digest, host):
// refusing earlier bounds the work every later check does on untrusted webhook input.
const MAX_INPUT_LENGTH = 4096;
// reference.go RepositoryNameTotalLengthMax: counts the path after normalisation (`library/` included).
const MAX_PATH_LENGTH = 255;

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9-]+$/;
const IPV6_HOST = /^\[[A-Fa-f0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_HEX = /^[0-9a-fA-F]{32,}$/;
// normalize.go ParseNormalizedNamed: a bare 64-hex string is an image ID, never a repository name.
const IDENTIFIER = /^[a-f0-9]{64}$/;

/** Digest algorithms we accept, with their encoded length (go-digest registered algorithms, lowercase hex). */
const SUPPORTED_DIGESTS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha512', 128],
]);

function fail(error: string): { readonly ok: false; readonly error: string } {
  return { ok: false, error };
}

/** Quotes a fragment of untrusted input for an error message, escaped and shortened. */
function show(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

export function parseImageRef(input: string): ParsedRef {
  if (input.length === 0) return fail('empty reference');
  if (input.length > MAX_INPUT_LENGTH) return fail(`reference longer than ${MAX_INPUT_LENGTH} characters`);
  const charError = checkCharacters(input);
  if (charError !== null) return fail(charError);
  if (IDENTIFIER.test(input)) return fail('reference is a 64-character image ID, not a repository name');

  const at = input.indexOf('@');
  if (at !== -1 && input.indexOf('@', at + 1) !== -1) return fail('reference contains more than one "@"');
  const name = at === -1 ? input : input.slice(0, at);
  const digestText = at === -1 ? null : input.slice(at + 1);
  if (name.length === 0) return fail('missing repository name');

  let digest: string | null = null;
  if (digestText !== null) {
    const checked = checkDigest(digestText);
    if (!checked.ok) return checked;
    digest = checked.digest;
  }

  const { host, remainder } = splitHost(name);
  if (host !== null) {
    const hostError = checkHost(host);
    if (hostError !== null) return fail(hostError);
  }

  // After the host, a ':' can only start the tag: path components never contain one (normalize.go).
  const colon = remainder.indexOf(':');
  const rawPath = colon === -1 ? remainder : remainder.slice(0, colon);
  const tag = colon === -1 ? null : remainder.slice(colon + 1);
  if (rawPath.length === 0) return fail('missing repository name');
  const pathError = checkPath(rawPath);
  if (pathError !== null) return fail(pathError);
  if (tag !== null && !TAG.test(tag)) return fail(tag.length === 0 ? 'empty tag' : `invalid tag ${show(tag)}`);

  // Host names are case-insensitive (RFC 4343) and docker accepts `REGISTRY.CORP.EXAMPLE/x`, so the host is
  // lowercased here, once: approvals, scans and decisions all key on the same `registry/path` (SPEC §3). The path
  // stays case-sensitive, and must be lowercase.
  const lowerHost = host === null ? null : host.toLowerCase();
  const registry = lowerHost === null || lowerHost === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : lowerHost;
  // Docker Hub "official" images live under library/ (normalize.go splitDockerDomain); other registries keep the path.
  const path = registry === DEFAULT_DOMAIN && !rawPath.includes('/') ? OFFICIAL_REPO_PREFIX + rawPath : rawPath;
  if (path.length > MAX_PATH_LENGTH) return fail(`repository name must not be more than ${MAX_PATH_LENGTH} characters`);

  return {
    ok: true,
    ref: { original: input, registry, path, repository: `${registry}/${path}`, tag, digest },
  };
}

function checkCharacters(input: string): string | null {
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) return 'reference contains whitespace';
    if (code < 0x20 || code === 0x7f) return 'reference contains control characters';
    if (code > 0x7e) return 'reference contains non-ASCII characters';
  }
  return null;
}

/**
 * The first component is a host only when it contains `.` or `:` or is `localhost` (SPEC §3). Newer
 * distribution/reference also treats an uppercase first component as a host; SPEC §3 and docker's
 * historical behaviour reject `Foo/bar` as an uppercase repository name instead, which we follow.
 */
function splitHost(name: string): { readonly host: string | null; readonly remainder: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { host: null, remainder: name };
  const first = name.slice(0, slash);
  if (first === 'localhost' || first.includes('.') || first.includes(':')) {
    return { host: first, remainder: name.slice(slash + 1) };
  }
  return { host: null, remainder: name };
}

/** regexp.go domainAndPort: (domain-name | [IPv6]) [":" port]; hosts may be written in upper case. */
function checkHost(host: string): string | null {
  let hostPart = host;
  let port: string | null = null;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close !== -1 && close + 1 < host.length) {
      if (host[close + 1] !== ':') return `invalid registry host ${show(host)}`;
      hostPart = host.slice(0, close + 1);
      port = host.slice(close + 2);
    }
    if (!IPV6_HOST.test(hostPart)) return `invalid registry host ${show(host)}`;
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) {
      hostPart = host.slice(0, colon);
      port = host.slice(colon + 1);
    }
    const labelsValid = hostPart
      .split('.')
      .every((label) => DOMAIN_LABEL.test(label) && !label.startsWith('-') && !label.endsWith('-'));
    if (!labelsValid) return `invalid registry host ${show(host)}`;
  }
  if (port !== null && !PORT.test(port)) return `invalid registry port in ${show(host)}`;
  return null;
}

function checkPath(path: string): string | null {
  if (path.toLowerCase() !== path) return 'repository name must be lowercase';
  const components = path.split('/');
  if (components.some((c) => c.length === 0)) return `repository name ${show(path)} has an empty path component`;
  const bad = components.find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) return `invalid repository name component ${show(bad)}`;
  return null;
}

type CheckedDigest = { readonly ok: true; readonly digest: string } | { readonly ok: false; readonly error: string };

/** reference.go digest grammar, then go-digest's per-algorithm check: only sha256/sha512 are accepted (SPEC §3). */
function checkDigest(text: string): CheckedDigest {
  if (text.length === 0) return fail('empty digest');
  const colon = text.indexOf(':');
  if (colon === -1) return fail(`invalid digest ${show(text)}: expected algorithm:hex`);
  const algorithm = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (!DIGEST_ALGORITHM.test(algorithm)) return fail(`invalid digest algorithm ${show(algorithm)}`);
  const expectedLength = SUPPORTED_DIGESTS.get(algorithm);
  if (expectedLength === undefined) {
    if (!DIGEST_HEX.test(hex)) return fail(`invalid digest ${show(text)}`);
    return fail(`unsupported digest algorithm ${show(algorithm)}`);
  }
  if (hex.length !== expectedLength || !/^[0-9a-f]+$/.test(hex)) {
    return fail(`invalid ${algorithm} digest: expected ${expectedLength} lowercase hex characters`);
  }
  return { ok: true, digest: text };
}
