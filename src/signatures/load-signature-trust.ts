// Reads the files a policy's `signatures` entries name (SPEC §5) when the policy is loaded, so that a key that is not
// a public key or a trusted root that does not parse refuses the policy with the path of the problem, before any
// review depends on it.
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SignatureTrustLoader } from '../core/policy';
import type { Policy, SignatureRule, SignatureTrust, TrustedKey } from '../core/types';
import { errorMessage } from '../errors';

/** Key files are a few hundred bytes and trusted roots a few KB; anything larger is a mistake. */
const MAX_FILE_BYTES = 1024 * 1024;
const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;
const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json';
/** The curves cosign signs with (`cosign generate-key-pair`: P-256; KMS keys: P-384). */
const CURVES: ReadonlyMap<string, string> = new Map([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
]);
const MIN_RSA_BITS = 2048;

export type ReadFile = (file: string) => Buffer;

/**
 * A SignatureTrustLoader over the file system. Relative file names are read from `baseDir`, the policy file's
 * directory, so a policy and its keys can move together (a ConfigMap mounted anywhere).
 */
export function signatureTrustLoader(baseDir: string, readFile: ReadFile = readSmallFile): SignatureTrustLoader {
  const read: ReadFile = (file) => readFile(path.resolve(baseDir, file));
  return (policy: Policy) => {
    const problems: string[] = [];
    const trust = policy.signatures.map((rule, index) => loadRule(rule, `signatures[${index}]`, read, problems));
    return problems.length === 0 ? { ok: true, trust } : { ok: false, problems };
  };
}

function loadRule(rule: SignatureRule, where: string, readFile: ReadFile, problems: string[]): SignatureTrust {
  const keys: TrustedKey[] = [];
  rule.keys.forEach((file, index) => {
    const at = `${where}.keys[${index}]`;
    try {
      const key = readPublicKey(readFile(file));
      const fingerprint = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
      if (keys.some((known) => known.fingerprint === fingerprint)) {
        problems.push(`${at}: ${file} is the same key as another in this entry (it would count twice)`);
      }
      keys.push({ file, key, fingerprint });
    } catch (err) {
      problems.push(`${at}: ${file}: ${errorMessage(err)}`);
    }
  });
  if (rule.trustedRoot === null) return { keys, trustedRoot: null, trustedRootHash: null };
  try {
    const bytes = readFile(rule.trustedRoot);
    const trustedRoot = readTrustedRoot(bytes, rule);
    return { keys, trustedRoot, trustedRootHash: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    problems.push(`${where}.trustedRoot: ${rule.trustedRoot}: ${errorMessage(err)}`);
    return { keys, trustedRoot: null, trustedRootHash: null };
  }
}

/**
 * A PEM SubjectPublicKeyInfo (what `cosign generate-key-pair` writes to cosign.pub). A private key is refused
 * rather than reduced to its public half: it must not sit in a policy directory.
 */
export function readPublicKey(bytes: Buffer): KeyObject {
  const text = bytes.toString('utf8');
  if (!PEM_PUBLIC_KEY.test(text)) throw new Error('not a PEM public key (-----BEGIN PUBLIC KEY-----)');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new Error(`not a valid public key (${errorMessage(err)})`);
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (CURVES.has(details.namedCurve ?? '')) return key;
      throw new Error(`ECDSA curve ${details.namedCurve ?? 'unknown'} is not supported (P-256 or P-384)`);
    case 'rsa':
      if ((details.modulusLength ?? 0) >= MIN_RSA_BITS) return key;
      throw new Error(`RSA key of ${details.modulusLength ?? 0} bits is too short (at least ${MIN_RSA_BITS})`);
    case 'ed25519':
      return key;
    default:
      throw new Error(`${key.asymmetricKeyType ?? 'unknown'} keys are not supported (ECDSA P-256/P-384, RSA, Ed25519)`);
  }
}

/** A Sigstore trusted root (sigstore/protobuf-specs TrustedRoot, JSON) with what the entry needs from it. */
function readTrustedRoot(bytes: Buffer, rule: SignatureRule): SignatureTrust['trustedRoot'] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('not JSON');
  }
  const mediaType = typeof json === 'object' && json !== null && 'mediaType' in json ? json.mediaType : undefined;
  if (typeof mediaType !== 'string' || !mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE)) {
    throw new Error(`not a Sigstore trusted root (mediaType ${TRUSTED_ROOT_MEDIA_TYPE})`);
  }
  // Loaded only for a policy that names a trusted root: the Sigstore packages cost serve ~10 MB and ~0.3 s to load.
  const { TrustedRoot } = require('@sigstore/protobuf-specs') as typeof import('@sigstore/protobuf-specs');
  const { toTrustMaterial } = require('@sigstore/verify') as typeof import('@sigstore/verify');
  const material = toTrustMaterial(TrustedRoot.fromJSON(json));
  if (rule.keyless.length > 0 && material.certificateAuthorities.length === 0) {
    throw new Error('has no certificateAuthorities, which keyless needs');
  }
  if (rule.transparencyLog === 'require' && material.tlogs.length === 0) {
    throw new Error('has no tlogs, which transparencyLog: require needs');
  }
  return material;
}

function readSmallFile(file: string): Buffer {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new Error('not a regular file');
  if (stat.size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
  return fs.readFileSync(file);
}
