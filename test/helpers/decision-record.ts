import type { DecisionRecord } from '../../src/store/audit-log';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

/** A plausible allowed decision for one approved image; override what a test is about. */
export function decisionRecord(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    time: Date.parse('2026-01-15T10:00:00Z'),
    namespace: 'prod',
    allowed: true,
    mode: 'enforce',
    breakGlass: false,
    ticket: null,
    reason: 'all images allowed',
    overridden: null,
    policyHash: 'f'.repeat(64),
    policySource: 'built-in default',
    user: null,
    latencyUs: 250,
    images: [
      {
        image: `registry.corp.example/payments/api@${DIGEST_A}`,
        repository: 'registry.corp.example/payments/api',
        digest: DIGEST_A,
        allowed: true,
        reasons: [],
      },
    ],
    ...overrides,
  };
}

/** A denied decision: an unapproved, unscanned image. */
export function deniedRecord(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return decisionRecord({
    allowed: false,
    reason: `registry.corp.example/web/app@${DIGEST_B}: not approved; no scan`,
    images: [
      {
        image: `registry.corp.example/web/app@${DIGEST_B}`,
        repository: 'registry.corp.example/web/app',
        digest: DIGEST_B,
        allowed: false,
        reasons: ['not-approved', 'scan-missing'],
      },
    ],
    ...overrides,
  });
}
