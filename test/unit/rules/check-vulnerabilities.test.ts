import { DEFAULT_POLICY } from '../../../src/core/policy';
import { activeExceptions } from '../../../src/core/rules/active-exceptions';
import { checkVulnerabilities } from '../../../src/core/rules/check-vulnerabilities';
import { tallyFindings } from '../../../src/core/rules/tally-findings';
import type { Check, CveException, Finding, Policy, ScanResult } from '../../../src/core/types';
import { imageContext } from '../../helpers/image-context';

// Modelled on kritis' severity-threshold test: each row is a combination of ceilings, findings and exceptions,
// and asserts the exact outcome and the exact offending IDs.

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const DIGEST = `sha256:${'ab12cd34'.repeat(8)}`;
const REPOSITORY = 'registry.corp.example/payments/api';

// Findings as a Trivy scan of alpine:3.10 reports them (one vulnerability in one package version each).
const MUSL: Finding = { id: 'CVE-2019-14697', package: 'musl', installed: '1.1.22-r2', fixed: '1.1.22-r3', severity: 'CRITICAL' };
const MUSL_UTILS: Finding = { ...MUSL, package: 'musl-utils' };
const ZLIB: Finding = { id: 'CVE-2022-37434', package: 'zlib', installed: '1.2.11-r1', fixed: '1.2.12-r2', severity: 'CRITICAL' };
const APK: Finding = { id: 'CVE-2021-36159', package: 'apk-tools', installed: '2.10.4-r2', fixed: null, severity: 'CRITICAL' };
const BUSYBOX: Finding = { id: 'CVE-2022-28391', package: 'busybox', installed: '1.30.1-r2', fixed: '1.30.1-r5', severity: 'HIGH' };
const SSL: Finding = { id: 'CVE-2021-3711', package: 'libssl1.1', installed: '1.1.1c-r0', fixed: '1.1.1l-r0', severity: 'HIGH' };
const SSL_UNFIXED: Finding = { id: 'CVE-2023-0464', package: 'libssl1.1', installed: '1.1.1c-r0', fixed: '', severity: 'HIGH' };
const GHSA: Finding = { id: 'GHSA-h5c8-rqwp-cp95', package: 'golang.org/x/net', installed: '0.7.0', fixed: '0.17.0', severity: 'MEDIUM' };
const NOSEV: Finding = { id: 'CVE-2024-9999', package: 'libc-utils', installed: '0.7.1-r0', fixed: null, severity: 'UNKNOWN' };

function exception(id: number, vulnerabilityId: string, over: Partial<CveException> = {}): CveException {
  return { id, vulnerabilityId, repository: null, expiresAt: NOW + 30 * DAY, reason: 'not reachable', ...over };
}

interface Row {
  readonly ceilings: Policy['scan']['maxFindings'];
  readonly findings: readonly Finding[];
  readonly exceptions?: readonly CveException[];
  readonly ignoreUnfixed?: boolean;
}

function check({ ceilings, findings, exceptions = [], ignoreUnfixed = false }: Row): Check {
  const scan: ScanResult = { digest: DIGEST, scanner: 'trivy', scannedAt: NOW - DAY, findings };
  const context = imageContext(`${REPOSITORY}@${DIGEST}`, {
    facts: { approval: null, scan },
    exceptions: activeExceptions(exceptions, NOW),
    policy: { scan: { ...DEFAULT_POLICY.scan, maxFindings: ceilings, ignoreUnfixed } },
    now: NOW,
  });
  return checkVulnerabilities(context);
}

const failed = (message: string): Check => ({ name: 'vulnerabilities', outcome: 'fail', code: 'vulnerabilities', message });
const passed = (message: string): Check => ({ name: 'vulnerabilities', outcome: 'pass', message });

describe('checkVulnerabilities: severity ceilings', () => {
  it.each<[string, Row, Check]>([
    ['clean scan, default ceiling', { ceilings: { CRITICAL: 0 }, findings: [] }, passed('0 CRITICAL ≤ 0')],
    ['one CRITICAL over 0', { ceilings: { CRITICAL: 0 }, findings: [ZLIB] }, failed('1 CRITICAL > 0 (CVE-2022-37434)')],
    ['the same CVE in two packages counts twice', { ceilings: { CRITICAL: 0 }, findings: [MUSL, MUSL_UTILS] }, failed('2 CRITICAL > 0 (CVE-2019-14697 ×2)')],
    ['at the ceiling passes', { ceilings: { CRITICAL: 2 }, findings: [MUSL, ZLIB] }, passed('2 CRITICAL ≤ 2')],
    ['one above the ceiling fails', { ceilings: { CRITICAL: 2 }, findings: [MUSL, MUSL_UTILS, ZLIB] }, failed('3 CRITICAL > 2 (CVE-2019-14697 ×2, CVE-2022-37434)')],
    ['HIGH ignored when only CRITICAL is capped', { ceilings: { CRITICAL: 0 }, findings: [BUSYBOX, SSL, GHSA] }, passed('0 CRITICAL ≤ 0')],
    ['only the offending severity is named', { ceilings: { CRITICAL: 5, HIGH: 1 }, findings: [ZLIB, BUSYBOX, SSL] }, failed('2 HIGH > 1 (CVE-2022-28391, CVE-2021-3711)')],
    ['two severities over', { ceilings: { CRITICAL: 0, HIGH: 1 }, findings: [ZLIB, BUSYBOX, SSL, GHSA] }, failed('1 CRITICAL > 0 (CVE-2022-37434), 2 HIGH > 1 (CVE-2022-28391, CVE-2021-3711)')],
    ['every severity within its ceiling', { ceilings: { CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 0, UNKNOWN: 1 }, findings: [ZLIB, BUSYBOX, SSL, GHSA, NOSEV] }, passed('1 CRITICAL ≤ 1, 2 HIGH ≤ 2, 1 MEDIUM ≤ 1, 0 LOW ≤ 0, 1 UNKNOWN ≤ 1')],
    ['UNKNOWN has a ceiling of its own', { ceilings: { UNKNOWN: 0 }, findings: [NOSEV] }, failed('1 UNKNOWN > 0 (CVE-2024-9999)')],
    ['no ceilings: unlimited', { ceilings: {}, findings: [MUSL, ZLIB, BUSYBOX] }, passed('no ceilings set (3 counted)')],
    ['more than five IDs are cut short', {
      ceilings: { HIGH: 0 },
      findings: [1, 2, 3, 4, 5, 6, 7].map((n) => ({ ...SSL, id: `CVE-2024-000${n}` })).concat([{ ...SSL, id: 'CVE-2024-0001', package: 'libcrypto1.1' }]),
    }, failed('8 HIGH > 0 (CVE-2024-0001 ×2, CVE-2024-0002, CVE-2024-0003, CVE-2024-0004, CVE-2024-0005, +2 more)')],
  ])('%s', (_name, row, expected) => {
    expect(check(row)).toEqual(expected);
  });
});

describe('checkVulnerabilities: exceptions', () => {
  it.each<[string, Row, Check]>([
    ['an active exception removes both findings of its CVE', {
      ceilings: { CRITICAL: 0 },
      findings: [MUSL, MUSL_UTILS, ZLIB],
      exceptions: [exception(1, 'CVE-2019-14697')],
    }, failed('1 CRITICAL > 0 (CVE-2022-37434); 2 excepted')],
    ['excepting every offender passes', {
      ceilings: { CRITICAL: 0 },
      findings: [MUSL, ZLIB],
      exceptions: [exception(1, 'CVE-2019-14697'), exception(2, 'CVE-2022-37434')],
    }, passed('0 CRITICAL ≤ 0; 2 excepted')],
    ['an expired exception does not count', {
      ceilings: { CRITICAL: 0 },
      findings: [MUSL, MUSL_UTILS],
      exceptions: [exception(1, 'CVE-2019-14697', { expiresAt: NOW - 1 })],
    }, failed('2 CRITICAL > 0 (CVE-2019-14697 ×2)')],
    ['an exception expiring exactly now does not count', {
      ceilings: { CRITICAL: 0 },
      findings: [ZLIB],
      exceptions: [exception(1, 'CVE-2022-37434', { expiresAt: NOW })],
    }, failed('1 CRITICAL > 0 (CVE-2022-37434)')],
    ['a repository glob that matches', {
      ceilings: { CRITICAL: 0 },
      findings: [ZLIB],
      exceptions: [exception(1, 'CVE-2022-37434', { repository: 'registry.corp.example/payments/*' })],
    }, passed('0 CRITICAL ≤ 0; 1 excepted')],
    ['a repository glob that does not match', {
      ceilings: { CRITICAL: 0 },
      findings: [ZLIB],
      exceptions: [exception(1, 'CVE-2022-37434', { repository: 'registry.corp.example/billing/*' })],
    }, failed('1 CRITICAL > 0 (CVE-2022-37434)')],
    ['IDs compare without case', {
      ceilings: { MEDIUM: 0 },
      findings: [GHSA],
      exceptions: [exception(1, 'ghsa-h5c8-rqwp-cp95')],
    }, passed('0 MEDIUM ≤ 0; 1 excepted')],
    ['an exception for another CVE changes nothing', {
      ceilings: { CRITICAL: 0 },
      findings: [ZLIB],
      exceptions: [exception(1, 'CVE-2019-14697')],
    }, failed('1 CRITICAL > 0 (CVE-2022-37434)')],
  ])('%s', (_name, row, expected) => {
    expect(check(row)).toEqual(expected);
  });
});

describe('checkVulnerabilities: ignoreUnfixed', () => {
  it.each<[string, Row, Check]>([
    ['unfixed findings count by default', { ceilings: { CRITICAL: 0, HIGH: 0 }, findings: [APK, SSL_UNFIXED] }, failed('1 CRITICAL > 0 (CVE-2021-36159), 1 HIGH > 0 (CVE-2023-0464)')],
    ['ignoreUnfixed drops findings without a fixed version (null or empty)', {
      ceilings: { CRITICAL: 0, HIGH: 0 },
      findings: [APK, SSL_UNFIXED],
      ignoreUnfixed: true,
    }, passed('0 CRITICAL ≤ 0, 0 HIGH ≤ 0; 2 unfixed ignored')],
    ['ignoreUnfixed keeps fixable findings', {
      ceilings: { CRITICAL: 0 },
      findings: [APK, ZLIB],
      ignoreUnfixed: true,
    }, failed('1 CRITICAL > 0 (CVE-2022-37434); 1 unfixed ignored')],
    ['an excepted unfixed finding is counted as excepted', {
      ceilings: { CRITICAL: 0 },
      findings: [APK, ZLIB],
      exceptions: [exception(1, 'CVE-2021-36159')],
      ignoreUnfixed: true,
    }, failed('1 CRITICAL > 0 (CVE-2022-37434); 1 excepted')],
  ])('%s', (_name, row, expected) => {
    expect(check(row)).toEqual(expected);
  });
});

describe('checkVulnerabilities: when there is nothing to judge', () => {
  it('skips without a scan', () => {
    const image = `${REPOSITORY}@${DIGEST}`;
    expect(checkVulnerabilities(imageContext(image, { now: NOW }))).toEqual({
      name: 'vulnerabilities',
      outcome: 'skip',
      message: 'no scan',
    });
    expect(checkVulnerabilities(imageContext(image, { digest: null, now: NOW }))).toEqual({
      name: 'vulnerabilities',
      outcome: 'skip',
      message: 'no digest to look up',
    });
  });
});

describe('tallyFindings', () => {
  it('counts per severity after exceptions and unfixed', () => {
    const tally = tallyFindings([MUSL, MUSL_UTILS, APK, BUSYBOX, GHSA, NOSEV], REPOSITORY, activeExceptions([exception(1, 'CVE-2019-14697')], NOW), true);
    expect(tally).toEqual({
      counted: [BUSYBOX, GHSA],
      counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 1, LOW: 0, UNKNOWN: 0 },
      excepted: 2,
      unfixedIgnored: 2,
    });
  });
});
