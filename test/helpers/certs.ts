// Test PKI made with the openssl CLI at test time (no committed keys): a CA, server certificates for 127.0.0.1 and
// localhost, a client certificate from that CA (the API server's), and a client certificate from another CA.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly server: KeyPair;
  /** A second server pair from the same CA, with a different common name, for rotation tests. */
  readonly server2: KeyPair;
  readonly client: KeyPair;
  readonly otherCaCert: string;
  readonly otherClient: KeyPair;
  cleanup(): void;
}

export function createTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-reviewer-pki-'));
  const file = (name: string): string => path.join(dir, name);
  makeCa(dir, 'ca', 'image-reviewer test CA');
  makeCa(dir, 'other-ca', 'some other CA');
  const server = issue(dir, 'ca', 'server', 'image-reviewer-1', 'serverAuth', 'IP:127.0.0.1,DNS:localhost');
  const server2 = issue(dir, 'ca', 'server2', 'image-reviewer-2', 'serverAuth', 'IP:127.0.0.1,DNS:localhost');
  const client = issue(dir, 'ca', 'client', 'kube-apiserver', 'clientAuth');
  const otherClient = issue(dir, 'other-ca', 'other-client', 'intruder', 'clientAuth');
  return {
    dir,
    caCert: file('ca.crt'),
    server,
    server2,
    client,
    otherCaCert: file('other-ca.crt'),
    otherClient,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

// P-256 keys: generated in milliseconds, unlike RSA, and accepted by every TLS stack involved.
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string, cn: string): void {
  openssl(
    ['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
}

function issue(dir: string, ca: string, name: string, cn: string, usage: string, san?: string): KeyPair {
  openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  const ext = [`extendedKeyUsage=${usage}`, 'keyUsage=critical,digitalSignature', 'basicConstraints=CA:FALSE'];
  if (san !== undefined) ext.push(`subjectAltName=${san}`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext.join('\n') + '\n');
  const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`;
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', serial,
      '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`],
    dir,
  );
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}
