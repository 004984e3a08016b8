// Certificate, key and client CA files, read at start and re-read when they change (SPEC §9). cert-manager renews a
// Secret and the kubelet swaps the mounted files with an atomic symlink rename (`..data`), so an inotify watch on the
// old path goes quiet; polling the content survives every way of replacing a file, and reading three small PEM
// files every few seconds costs nothing.
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { InvalidInputError, errorMessage } from '../errors';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that signs the API server's client certificate (its kubeconfig `client-certificate`). */
  readonly clientCaFile?: string;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  /** sha256 over all three, to tell a real change from a re-read of the same files. */
  readonly hash: string;
}

/** TLS 1.0/1.1 are deprecated (RFC 8996); the API server's Go client speaks 1.2 and 1.3. */
export const MIN_TLS_VERSION = 'TLSv1.2';

export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const cert = readPem(files.certFile, 'certificate');
  const key = readPem(files.keyFile, 'key');
  const ca = files.clientCaFile === undefined ? undefined : readPem(files.clientCaFile, 'client CA');
  const hash = createHash('sha256');
  for (const part of [cert, key, ca ?? Buffer.alloc(0)]) hash.update(part).update('\0');
  return { cert, key, ca, hash: hash.digest('hex') };
}

function readPem(file: string, what: string): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    throw new InvalidInputError(`cannot read TLS ${what} ${file}: ${errorMessage(err)}`);
  }
  if (!data.includes('-----BEGIN ')) throw new InvalidInputError(`TLS ${what} ${file} is not PEM`);
  return data;
}

/** Options for `https.createServer` / `server.setSecureContext`. */
export function secureContextOptions(material: TlsMaterial): tls.SecureContextOptions {
  return { cert: material.cert, key: material.key, ca: material.ca, minVersion: MIN_TLS_VERSION };
}

/** Builds a context once to prove the pair is usable (key matches certificate, PEM parses); throws otherwise. */
export function checkTlsMaterial(material: TlsMaterial, files: TlsFiles): void {
  try {
    tls.createSecureContext(secureContextOptions(material));
  } catch (err) {
    throw new InvalidInputError(`unusable TLS files ${files.certFile} / ${files.keyFile}: ${errorMessage(err)}`);
  }
}

/** Subject, expiry and fingerprint of the serving certificate, for the log line that says which one is in use. */
export function describeCertificate(cert: Buffer): Readonly<Record<string, string>> {
  try {
    const x509 = new X509Certificate(cert);
    return { subject: x509.subject.replace(/\n/g, ', '), notAfter: x509.validTo, sha256: x509.fingerprint256 };
  } catch (err) {
    return { certificateError: errorMessage(err) };
  }
}

export interface TlsWatcher {
  stop(): void;
}

export interface WatchTlsOptions {
  readonly files: TlsFiles;
  readonly intervalMs: number;
  /** Hash of the material in use, so the first poll does not reload what start-up already loaded. */
  readonly initialHash: string;
  /** Called with changed material; throws if it cannot be used (the old context then stays). */
  readonly onChange: (material: TlsMaterial) => void;
  /** Called once per distinct failure (unreadable file, broken pair), not on every poll. */
  readonly onError: (message: string) => void;
}

export function watchTlsFiles(options: WatchTlsOptions): TlsWatcher {
  // Each distinct content is tried once: a half-rotated pair (new cert, old key) fails, and the key landing a moment
  // later changes the hash again, so that combination is tried in turn.
  let lastTried = options.initialHash;
  let lastError = '';
  let readFailing = false;
  const poll = (): void => {
    let material: TlsMaterial;
    try {
      material = readTlsMaterial(options.files);
    } catch (err) {
      readFailing = true;
      report(errorMessage(err));
      return;
    }
    if (readFailing) {
      // The files are back (a swap in progress, a remount): a later identical failure deserves a new log line.
      readFailing = false;
      lastError = '';
    }
    if (material.hash === lastTried) return;
    lastTried = material.hash;
    try {
      options.onChange(material);
      lastError = '';
    } catch (err) {
      report(errorMessage(err));
    }
  };
  const report = (message: string): void => {
    if (message === lastError) return;
    lastError = message;
    options.onError(message);
  };
  const timer = setInterval(poll, options.intervalMs);
  // The watcher must not keep a process alive that has nothing else to do.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
