import { parsePolicy } from '../../../src/core/policy';
import type { CompiledPolicy, ImageRef } from '../../../src/core/types';
import type { FoundSignatures } from '../../../src/registry/fetch-signature-artifacts';
import type { SignatureLookup } from '../../../src/registry/types';
import { signatureTrustLoader } from '../../../src/signatures/load-signature-trust';
import { createSignatureChecker } from '../../../src/signatures/signature-checker';
import { generateCosignKey, signLayer, simpleSigningPayload, writePublicKey } from '../../helpers/cosign-signatures';
import { parsedRef } from '../../helpers/parsed-ref';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const REF = parsedRef('registry.corp.example/payments/api:1.0');
const OTHER = parsedRef('registry.corp.example/web:1.0');

let dir: TempDir;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => dir.cleanup());

const key = generateCosignKey();

function policy(tagCacheSeconds = 60): CompiledPolicy {
  writePublicKey(key, dir.file('release.pub'));
  const text = [`tagCacheSeconds: ${tagCacheSeconds}`, 'signatures:', '  - {repository: "registry.corp.example/payments/*", keys: [release.pub], approves: true}'].join('\n');
  const parsed = parsePolicy(text, 'test', signatureTrustLoader(dir.path));
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.policy;
}

function signed(): FoundSignatures {
  const layer = signLayer(key, simpleSigningPayload(REF.repository, DIGEST));
  return { artifacts: [{ kind: 'cosign', digest: `sha256:${'d'.repeat(64)}`, signatures: [{ ...layer, certificate: null, chain: null, rekorBundle: null }] }], problems: [] };
}

function fakeLookup(answer: () => FoundSignatures | 'hang' | Error): SignatureLookup & { calls: ImageRef[] } {
  const calls: ImageRef[] = [];
  return {
    calls,
    signatures(ref) {
      calls.push(ref);
      const result = answer();
      if (result === 'hang') return new Promise<FoundSignatures>(() => undefined);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    },
  };
}

describe('createSignatureChecker', () => {
  test('verifies under the policy entry, keyed by repository@digest; repositories without an entry are not looked up', async () => {
    const lookup = fakeLookup(signed);
    const checker = createSignatureChecker({ lookup, now: () => 1000 });
    const answers = await checker.check([{ ref: REF, digest: DIGEST }, { ref: OTHER, digest: DIGEST }], policy());
    expect(Object.fromEntries(answers)).toEqual({
      [`${REF.repository}@${DIGEST}`]: {
        status: 'verified',
        evidence: { signers: ['release.pub'], artifacts: [`sha256:${'d'.repeat(64)}`], verifiedAt: 1000 },
      },
    });
    expect(lookup.calls).toEqual([REF]);
  });

  test('a slow registry is a failed verification at the deadline, never an allow', async () => {
    const checker = createSignatureChecker({ lookup: fakeLookup(() => 'hang'), deadlineMs: 50 });
    const answers = await checker.check([{ ref: REF, digest: DIGEST }], policy());
    expect([...answers.values()]).toEqual([{ status: 'failed', error: 'registry did not answer within 50 ms' }]);
  });

  test('caches a verified answer for tagCacheSeconds, not a failure', async () => {
    let clock = 0;
    let found: FoundSignatures | Error = new Error('registry r answered 503');
    const lookup = fakeLookup(() => found);
    const checker = createSignatureChecker({ lookup, now: () => clock });
    const compiled = policy(30);
    const target = [{ ref: REF, digest: DIGEST }];
    expect([...(await checker.check(target, compiled)).values()]).toEqual([{ status: 'failed', error: 'registry r answered 503' }]);
    found = signed();
    expect([...(await checker.check(target, compiled)).values()][0]).toMatchObject({ status: 'verified' });
    clock = 29_000;
    expect([...(await checker.check(target, compiled)).values()][0]).toMatchObject({ status: 'verified' });
    expect(lookup.calls).toHaveLength(2);
    clock = 31_000;
    found = { artifacts: [], problems: [] };
    expect([...(await checker.check(target, compiled)).values()]).toEqual([{ status: 'failed', error: 'no signature found' }]);
    expect(lookup.calls).toHaveLength(3);
  });
});
