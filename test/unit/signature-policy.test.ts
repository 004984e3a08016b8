import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parsePolicy } from '../../src/core/policy';
import type { PolicyParse } from '../../src/core/policy';
import { loadPolicyFile } from '../../src/policy-source';
import { signatureTrustLoader } from '../../src/signatures/load-signature-trust';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

const COSIGN = path.join(__dirname, '..', 'fixtures', 'cosign');
const ALICE = path.join(COSIGN, 'connaisseur', 'alice.pub');
const BOB = path.join(COSIGN, 'connaisseur', 'bob.pub');
const ROOT = path.join(COSIGN, 'sigstore-cosign', 'trusted_root_pgi.json');

let dir: TempDir;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => dir.cleanup());

function parse(lines: readonly string[]): PolicyParse {
  return parsePolicy(lines.join('\n'), dir.file('policy.yaml'), signatureTrustLoader(dir.path));
}

function problemsOf(lines: readonly string[]): readonly string[] {
  const parsed = parse(lines);
  if (parsed.ok) throw new Error('expected the policy to be refused');
  return parsed.problems;
}

function write(name: string, content: string | Buffer): string {
  fs.writeFileSync(dir.file(name), content);
  return dir.file(name);
}

function publicPem(type: 'ec' | 'rsa' | 'ed25519' | 'ed448', options: object = {}): string {
  const pair = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
  return pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

describe('policy signatures: accepted', () => {
  it('loads key files (ECDSA P-256/P-384, RSA, Ed25519) relative to the policy file, and a trusted root', () => {
    write('p256.pub', fs.readFileSync(ALICE));
    write('p384.pub', publicPem('ec', { namedCurve: 'secp384r1' }));
    write('rsa.pub', publicPem('rsa', { modulusLength: 2048 }));
    write('ed.pub', publicPem('ed25519'));
    const parsed = parse([
      'registries: [registry.corp.example]',
      'signatures:',
      '  - repository: "registry.corp.example/payments/*"',
      '    keys: [p256.pub, p384.pub, rsa.pub, ed.pub]',
      '    threshold: 2',
      '  - repository: "registry.corp.example/platform/*"',
      '    keyless: [{issuer: "https://token.actions.githubusercontent.com", subject: "https://github.com/corp/*"}]',
      `    trustedRoot: ${ROOT}`,
      '    transparencyLog: require',
      '    approves: true',
    ]);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const { policy, signatureTrust, matchers } = parsed.policy;
    expect(policy.signatures).toEqual([
      {
        repository: 'registry.corp.example/payments/*',
        keys: ['p256.pub', 'p384.pub', 'rsa.pub', 'ed.pub'],
        keyless: [],
        trustedRoot: null,
        threshold: 2,
        transparencyLog: 'skip',
        approves: false,
      },
      {
        repository: 'registry.corp.example/platform/*',
        keys: [],
        keyless: [{ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/corp/*' }],
        trustedRoot: ROOT,
        threshold: 1,
        transparencyLog: 'require',
        approves: true,
      },
    ]);
    expect(signatureTrust[0]!.keys.map((key) => [key.file, key.key.asymmetricKeyType])).toEqual([
      ['p256.pub', 'ec'],
      ['p384.pub', 'ec'],
      ['rsa.pub', 'rsa'],
      ['ed.pub', 'ed25519'],
    ]);
    expect(signatureTrust[1]!.trustedRoot?.certificateAuthorities).toHaveLength(2);
    expect(matchers.signatureRule('registry.corp.example/platform/api')?.index).toBe(1);
    expect(matchers.signatureRule('registry.corp.example/web')).toBeNull();
  });

  it('changes the policy hash when a key file changes, though the policy text does not', () => {
    const lines = ['signatures:', '  - {repository: "r.example/*", keys: [release.pub]}'];
    write('release.pub', fs.readFileSync(ALICE));
    const first = parse(lines);
    write('release.pub', fs.readFileSync(BOB));
    const second = parse(lines);
    if (!first.ok || !second.ok) throw new Error('expected both to load');
    expect(first.policy.hash).not.toBe(second.policy.hash);
  });

  it('is refused without a loader: its keys were never read', () => {
    expect(parsePolicy('signatures: [{repository: "r/*", keys: [a.pub]}]', 'x.yaml')).toEqual({
      ok: false,
      problems: ['signatures: key files cannot be read here'],
    });
  });
});

describe('policy signatures: refused with the path of every problem', () => {
  it('checks the shape of each entry', () => {
    expect(
      problemsOf([
        'signatures:',
        '  - {repository: "a/*", keys: [k.pub], transparencyLog: sometimes, treshold: 1}',
        '  - {repository: "b/*", keyless: [{issuer: "https://issuer"}], trustedRoot: root.json, transparencyLog: skip}',
        '  - {repository: "c/*", keys: [k.pub, k.pub], threshold: 3}',
        '  - {repository: "d/*", threshold: 0}',
        '  - {keys: [k.pub], approves: "yes", transparencyLog: require}',
        '  - {repository: "f/*", keyless: [{issuer: "i", subject: "s"}]}',
      ]),
    ).toEqual([
      'signatures[0].treshold: unknown key (did you mean threshold?)',
      'signatures[0].transparencyLog: must be one of skip, require (got string "sometimes")',
      'signatures[1].keyless[0].subject: is required',
      'signatures[1]: needs at least one of keys or keyless',
      'signatures[2].threshold: is 3, but only 2 keys/identities are listed',
      'signatures[2].keys[1]: "k.pub" is listed twice',
      'signatures[3].threshold: must be a whole number ≥ 1 (got number 0)',
      'signatures[3]: needs at least one of keys or keyless',
      'signatures[4].repository: is required',
      'signatures[4].approves: must be true or false (got string "yes")',
      'signatures[4].trustedRoot: is required with transparencyLog: require (the Rekor keys that sign log entries)',
      'signatures[5].trustedRoot: is required with keyless (the Fulcio CAs certificates chain to)',
      'signatures[5].transparencyLog: must be require with keyless: Fulcio certificates live minutes, so only a transparency-log time proves the signature was made while the certificate was valid',
    ]);
  });

  it('refuses key files that are not supported PEM public keys, and trusted roots that do not parse', () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    write('private.pem', privateKey);
    write('k1.pub', publicPem('ec', { namedCurve: 'secp256k1' }));
    write('rsa1024.pub', publicPem('rsa', { modulusLength: 1024 }));
    write('ed448.pub', publicPem('ed448'));
    write('garbage.pub', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    write('alice.pub', fs.readFileSync(ALICE));
    write('alice-again.pub', fs.readFileSync(ALICE));
    write('root.json', '{"mediaType": "application/json"}');
    write('broken-root.json', '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "tlogs": [');
    write('no-ca-root.json', '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}');
    expect(
      problemsOf([
        'signatures:',
        '  - repository: "a/*"',
        '    keys: [private.pem, k1.pub, rsa1024.pub, ed448.pub, garbage.pub, missing.pub, alice.pub, alice-again.pub]',
        '    trustedRoot: root.json',
        '  - {repository: "b/*", keys: [alice.pub], trustedRoot: broken-root.json}',
        '  - repository: "c/*"',
        '    keyless: [{issuer: i, subject: s}]',
        '    trustedRoot: no-ca-root.json',
        '    transparencyLog: require',
      ]).map((problem) => problem.replace(dir.path, 'DIR')),
    ).toEqual([
      'signatures[0].keys[0]: private.pem: not a PEM public key (-----BEGIN PUBLIC KEY-----)',
      'signatures[0].keys[1]: k1.pub: ECDSA curve secp256k1 is not supported (P-256 or P-384)',
      'signatures[0].keys[2]: rsa1024.pub: RSA key of 1024 bits is too short (at least 2048)',
      'signatures[0].keys[3]: ed448.pub: ed448 keys are not supported (ECDSA P-256/P-384, RSA, Ed25519)',
      expect.stringMatching(/^signatures\[0\]\.keys\[4\]: garbage\.pub: not a valid public key/),
      "signatures[0].keys[5]: missing.pub: ENOENT: no such file or directory, stat 'DIR/missing.pub'",
      'signatures[0].keys[7]: alice-again.pub is the same key as another in this entry (it would count twice)',
      'signatures[0].trustedRoot: root.json: not a Sigstore trusted root (mediaType application/vnd.dev.sigstore.trustedroot+json)',
      'signatures[1].trustedRoot: broken-root.json: not JSON',
      'signatures[2].trustedRoot: no-ca-root.json: has no certificateAuthorities, which keyless needs',
    ]);
  });

  it('refuses the file with one line naming the problem (loadPolicyFile)', () => {
    const file = write('policy.yaml', 'signatures: [{repository: "a/*", keys: [nope.pub]}]\n');
    expect(() => loadPolicyFile(file)).toThrow(`invalid policy ${file}: signatures[0].keys[0]: nope.pub: ENOENT`);
  });
});
