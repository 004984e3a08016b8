import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScanReport } from '../../src/core/scan-report/parse-scan-report';
import type { ScanReport } from '../../src/core/scan-report/scan-report';
import { SEVERITIES, type Finding, type Severity } from '../../src/core/types';

const FIXTURES = join(__dirname, '..', 'fixtures');

function fixture(scanner: 'trivy' | 'grype', file: string): string {
  return readFileSync(join(FIXTURES, scanner, file), 'utf8');
}

function parsed(text: string, format?: 'trivy' | 'grype'): ScanReport {
  const result = parseScanReport(text, format);
  if (!result.ok) throw new Error(`expected a report, got: ${result.problems.join('; ')}`);
  return result.value;
}

function counts(findings: readonly Finding[]): Record<Severity, number> {
  const byLevel: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const finding of findings) byLevel[finding.severity] += 1;
  return byLevel;
}

function levels(partial: Partial<Record<Severity, number>>): Record<Severity, number> {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0, ...partial };
}

const at = (iso: string): number => Date.parse(iso);
const TRIVY_GOLDEN_TIME = at('2021-08-25T12:20:30.000Z');

interface Sample {
  readonly scanner: 'trivy' | 'grype';
  readonly file: string;
  readonly version: string | null;
  readonly artifact: string | null;
  readonly scannedAt: number | null;
  readonly repoDigests: readonly { readonly repository: string; readonly digest: string }[];
  readonly counts: Record<Severity, number>;
}

const samples: readonly Sample[] = [
  {
    scanner: 'trivy',
    file: 'alpine-39.json',
    version: 'dev',
    artifact: 'testdata/fixtures/images/alpine-39.tar.gz',
    scannedAt: TRIVY_GOLDEN_TIME,
    repoDigests: [],
    counts: levels({ CRITICAL: 2, MEDIUM: 4 }),
  },
  {
    scanner: 'trivy',
    file: 'alpine-39-skip.json',
    version: 'dev',
    artifact: 'testdata/fixtures/images/alpine-39.tar.gz',
    scannedAt: TRIVY_GOLDEN_TIME,
    repoDigests: [],
    counts: levels({}),
  },
  {
    scanner: 'trivy',
    file: 'fluentd-gems.json',
    version: 'dev',
    artifact: 'testdata/fixtures/images/fluentd-multiple-lockfiles.tar.gz',
    scannedAt: TRIVY_GOLDEN_TIME,
    repoDigests: [],
    counts: levels({ CRITICAL: 1, HIGH: 1 }),
  },
  {
    scanner: 'trivy',
    file: 'sl-micro-rancher5.4.json',
    version: 'dev',
    artifact: 'testdata/fixtures/images/sle-micro-rancher-5.4_ndb.tar.gz',
    scannedAt: TRIVY_GOLDEN_TIME,
    repoDigests: [],
    counts: levels({}),
  },
  {
    scanner: 'trivy',
    file: 'spring4shell-jre11.json',
    version: 'dev',
    artifact: 'testdata/fixtures/images/spring4shell-jre11.tar.gz',
    scannedAt: TRIVY_GOLDEN_TIME,
    repoDigests: [],
    counts: levels({ CRITICAL: 1 }),
  },
  {
    scanner: 'trivy',
    file: 'docs-alpine-latest.json',
    version: null,
    artifact: 'alpine:latest',
    scannedAt: at('2024-12-26T16:28:15.943Z'),
    // Not Metadata.ImageID (sha256:511a44…), the config digest.
    repoDigests: [
      {
        repository: 'docker.io/library/alpine',
        digest: 'sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a',
      },
    ],
    counts: levels({ LOW: 2 }),
  },
  {
    scanner: 'trivy',
    file: 'defectdojo-image-multi-digest.json',
    version: null,
    artifact: 'ghcr.io/example/api:1.4.2',
    scannedAt: null,
    repoDigests: [
      { repository: 'ghcr.io/example/api', digest: `sha256:${'a1'.repeat(32)}` },
      { repository: 'ghcr.io/example/api', digest: `sha256:${'b2'.repeat(32)}` },
    ],
    counts: levels({ HIGH: 1 }),
  },
  {
    scanner: 'grype',
    file: 'defectdojo-busybox-1.32.1-epss.json',
    version: '0.94.0',
    artifact: 'busybox:1.32.1',
    scannedAt: at('2025-06-19T11:43:35.523Z'),
    // Not manifestDigest (sha256:123b1f…) nor imageID (sha256:388056…).
    repoDigests: [
      {
        repository: 'docker.io/library/busybox',
        digest: 'sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7',
      },
    ],
    counts: levels({ CRITICAL: 1, HIGH: 10, MEDIUM: 2, LOW: 2 }),
  },
  {
    scanner: 'grype',
    file: 'defectdojo-quay-xjoin-kafka-connect.json',
    version: '0.96.0',
    artifact: 'quay.io/cloudservices/xjoin-kafka-connect-strimzi:latest',
    scannedAt: at('2024-02-22T18:46:26.372Z'),
    repoDigests: [
      {
        repository: 'quay.io/cloudservices/xjoin-kafka-connect-strimzi',
        digest: 'sha256:97e6d5aeed19f627205b218f45b284cd01ff658dd181416ab1d3e21aeb28d68e',
      },
    ],
    // 35 matches, 35 distinct id+package+version; CVE-2024-26308 has no severity → UNKNOWN.
    counts: levels({ CRITICAL: 1, HIGH: 18, MEDIUM: 13, LOW: 2, UNKNOWN: 1 }),
  },
  {
    scanner: 'grype',
    file: 'defectdojo-busybox-latest-clean.json',
    version: '0.7.0',
    artifact: 'busybox:latest',
    scannedAt: null,
    repoDigests: [],
    counts: levels({}),
  },
  {
    scanner: 'grype',
    file: 'defectdojo-defectdojo-django-1.13.1.json',
    version: '0.7.0',
    artifact: 'defectdojo/defectdojo-django:1.13.1',
    scannedAt: null,
    repoDigests: [],
    // 327 matches, all distinct id+package+version; LOW = 27 Low + 106 Negligible.
    counts: levels({ CRITICAL: 5, HIGH: 24, MEDIUM: 155, LOW: 133, UNKNOWN: 10 }),
  },
  {
    scanner: 'grype',
    file: 'defectdojo-same-cve-different-paths.json',
    version: '0.36.0',
    artifact: 'test-image:latest',
    scannedAt: null,
    // repoDigests is []; imageID/manifestDigest `sha256:test` are never used.
    repoDigests: [],
    // 2 matches of one CVE on one package version at two paths: 1 finding.
    counts: levels({ CRITICAL: 1 }),
  },
  {
    scanner: 'grype',
    file: 'grype-presenter-image.json',
    version: '[not provided]',
    artifact: 'user-input',
    scannedAt: null,
    repoDigests: [],
    counts: levels({ CRITICAL: 1, LOW: 1 }),
  },
  {
    scanner: 'grype',
    file: 'grype-presenter-directory.json',
    version: '[not provided]',
    artifact: '/some/path',
    scannedAt: null,
    repoDigests: [],
    counts: levels({ CRITICAL: 1, LOW: 1 }),
  },
  {
    scanner: 'grype',
    file: 'grype-presenter-empty.json',
    version: '[not provided]',
    artifact: 'unknown',
    scannedAt: null,
    repoDigests: [],
    counts: levels({}),
  },
];

describe('parseScanReport on the real samples', () => {
  test.each(samples)('$scanner $file', (sample) => {
    const text = fixture(sample.scanner, sample.file);
    const detected = parsed(text);
    expect({
      scanner: detected.scanner,
      scannerVersion: detected.scannerVersion,
      artifact: detected.artifact,
      scannedAt: detected.scannedAt,
      repoDigests: detected.repoDigests,
      counts: counts(detected.findings),
    }).toEqual({
      scanner: sample.scanner,
      scannerVersion: sample.version,
      artifact: sample.artifact,
      scannedAt: sample.scannedAt,
      repoDigests: sample.repoDigests,
      counts: sample.counts,
    });
    // Naming the format gives the same report as detecting it.
    expect(parsed(text, sample.scanner)).toEqual(detected);
  });

  test('every fixture file is in the table', () => {
    const listed = samples.map((s) => `${s.scanner}/${s.file}`).sort();
    const onDisk = (['trivy', 'grype'] as const)
      .flatMap((scanner) => Object.keys(expectedFiles(scanner)).map((file) => `${scanner}/${file}`))
      .sort();
    expect(listed).toEqual(onDisk);
  });
});

// expected.json (upstream attribution + values) lists every Trivy finding and most Grype matches.
function expectedFiles(scanner: 'trivy' | 'grype'): Record<string, unknown> {
  const json: unknown = JSON.parse(fixture(scanner, 'expected.json'));
  const files = isObject(json) ? json['files'] : undefined;
  if (!isObject(files)) throw new Error(`${scanner}/expected.json has no files`);
  return files;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string in expected.json, got ${JSON.stringify(value)}`);
  return value;
}

function severityOf(value: unknown): Severity {
  const upper = value === null ? 'UNKNOWN' : text(value).toUpperCase();
  const level = upper === 'NEGLIGIBLE' ? 'LOW' : SEVERITIES.find((s) => s === upper);
  if (level === undefined) throw new Error(`unexpected severity ${upper}`);
  return level;
}

function expectedFindings(scanner: 'trivy' | 'grype', file: string): readonly Finding[] {
  const entry = expectedFiles(scanner)[file];
  const list = isObject(entry) ? entry[scanner === 'trivy' ? 'findings' : 'matches'] : undefined;
  if (!Array.isArray(list)) throw new Error(`no findings for ${file}`);
  const findings = list.map((item: unknown): Finding => {
    if (!isObject(item)) throw new Error('finding is not an object');
    if (scanner === 'trivy') {
      const fixed = text(item['FixedVersion']);
      return {
        id: text(item['VulnerabilityID']),
        package: text(item['PkgName']),
        installed: text(item['InstalledVersion']),
        fixed: fixed === '' ? null : fixed,
        severity: severityOf(item['Severity']),
      };
    }
    const versions = item['fix.versions'];
    if (!Array.isArray(versions)) throw new Error('fix.versions is not an array');
    return {
      id: text(item['id']),
      package: text(item['artifact.name']),
      installed: text(item['artifact.version']),
      fixed: versions.length === 0 ? null : versions.map(text).join(', '),
      severity: severityOf(item['severity']),
    };
  });
  // One finding per id + package + version (SPEC §7), as the importer counts.
  const unique = new Map(findings.map((f) => [JSON.stringify([f.id, f.package, f.installed]), f]));
  return [...unique.values()];
}

const byKey = (a: Finding, b: Finding): number =>
  JSON.stringify([a.id, a.package, a.installed]).localeCompare(JSON.stringify([b.id, b.package, b.installed]));

describe('findings agree with expected.json', () => {
  test.each(samples.filter((s) => s.file !== 'defectdojo-defectdojo-django-1.13.1.json'))('$scanner $file', (sample) => {
    const report = parsed(fixture(sample.scanner, sample.file));
    expect([...report.findings].sort(byKey)).toEqual([...expectedFindings(sample.scanner, sample.file)].sort(byKey));
  });
});

describe('exact findings', () => {
  test.each([
    [
      'trivy',
      'alpine-39.json',
      { id: 'CVE-2019-14697', package: 'musl', installed: '1.1.20-r4', fixed: '1.1.20-r5', severity: 'CRITICAL' },
    ],
    [
      'trivy',
      'alpine-39.json',
      { id: 'CVE-2019-14697', package: 'musl-utils', installed: '1.1.20-r4', fixed: '1.1.20-r5', severity: 'CRITICAL' },
    ],
    [
      'trivy',
      'fluentd-gems.json',
      { id: 'CVE-2020-8165', package: 'activesupport', installed: '6.0.2.1', fixed: '6.0.3.1, 5.2.4.3', severity: 'HIGH' },
    ],
    [
      'trivy',
      'spring4shell-jre11.json',
      {
        id: 'CVE-2022-22965',
        package: 'org.springframework:spring-beans',
        installed: '5.3.15',
        fixed: '5.3.18',
        severity: 'CRITICAL',
      },
    ],
    [
      'trivy',
      'docs-alpine-latest.json',
      { id: 'CVE-2024-9143', package: 'libssl3', installed: '3.3.2-r0', fixed: '3.3.2-r1', severity: 'LOW' },
    ],
    [
      'grype',
      'grype-presenter-image.json',
      { id: 'CVE-1999-0001', package: 'package-1', installed: '1.1.1', fixed: '1.2.1, 2.1.3, 3.4.0', severity: 'LOW' },
    ],
    [
      'grype',
      'grype-presenter-image.json',
      { id: 'CVE-1999-0002', package: 'package-2', installed: '2.2.2', fixed: null, severity: 'CRITICAL' },
    ],
    [
      'grype',
      'defectdojo-quay-xjoin-kafka-connect.json',
      { id: 'CVE-2024-26308', package: 'commons-compress', installed: '1.21', fixed: '1.26.0', severity: 'UNKNOWN' },
    ],
    [
      'grype',
      'defectdojo-defectdojo-django-1.13.1.json',
      { id: 'CVE-2019-18276', package: 'bash', installed: '5.0-4', fixed: null, severity: 'LOW' },
    ],
    [
      'grype',
      'defectdojo-defectdojo-django-1.13.1.json',
      { id: 'CVE-2016-10127', package: 'pysaml2', installed: '6.5.1', fixed: null, severity: 'CRITICAL' },
    ],
  ] as const)('%s %s has %j', (scanner, file, finding) => {
    expect(parsed(fixture(scanner, file)).findings).toContainEqual(finding);
  });

  test('same CVE on the same package at two paths is one finding', () => {
    expect(parsed(fixture('grype', 'defectdojo-same-cve-different-paths.json')).findings).toEqual([
      { id: 'CVE-2021-33574', package: 'libc6', installed: '2.28-10', fixed: null, severity: 'CRITICAL' },
    ]);
  });
});

const trivyVuln = (extra: Record<string, unknown>): Record<string, unknown> => ({
  VulnerabilityID: 'CVE-2024-0001',
  PkgName: 'openssl',
  InstalledVersion: '3.1.4-r5',
  FixedVersion: '3.1.4-r6',
  Severity: 'HIGH',
  ...extra,
});
const trivy = (extra: Record<string, unknown>): string =>
  JSON.stringify({ SchemaVersion: 2, ArtifactName: 'x', ...extra });

const grypeMatch = (vulnerability: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  vulnerability: { id: 'CVE-2024-0002', severity: 'High', fix: { versions: ['1.2'], state: 'fixed' }, ...vulnerability },
  artifact: { name: 'pkg', version: '1.0', type: 'deb' },
  ...extra,
});
const grype = (extra: Record<string, unknown>): string =>
  JSON.stringify({ matches: [], source: { type: 'image', target: { userInput: 'app:1' } }, descriptor: { name: 'grype' }, ...extra });

describe('severities this code does not know', () => {
  test('count as UNKNOWN and are reported as one warning, with the texts found', () => {
    const vulns = [
      trivyVuln({ VulnerabilityID: 'CVE-1', Severity: 'SEVERE' }),
      trivyVuln({ VulnerabilityID: 'CVE-2', Severity: 'Moderate' }),
      trivyVuln({ VulnerabilityID: 'CVE-3', Severity: 'SEVERE' }),
      trivyVuln({ VulnerabilityID: 'CVE-4', Severity: 'Negligible' }),
      trivyVuln({ VulnerabilityID: 'CVE-5', Severity: undefined }),
    ];
    const report = parsed(trivy({ Results: [{ Class: 'os-pkgs', Vulnerabilities: vulns }] }));
    expect(report.findings.map((f) => [f.id, f.severity])).toEqual([
      ['CVE-1', 'UNKNOWN'],
      ['CVE-2', 'UNKNOWN'],
      ['CVE-3', 'UNKNOWN'],
      ['CVE-4', 'LOW'],
      ['CVE-5', 'UNKNOWN'],
    ]);
    expect(report.warnings).toEqual(['3 findings have a severity not known here ("SEVERE", "Moderate"): counted as UNKNOWN']);
  });

  test('Grype too; a report whose severities are all known has no warning', () => {
    expect(parsed(grype({ matches: [grypeMatch({ severity: 'Urgent' })] })).warnings).toEqual([
      '1 finding has a severity not known here ("Urgent"): counted as UNKNOWN',
    ]);
    expect(parsed(grype({ matches: [grypeMatch({ severity: 'Critical' }), grypeMatch({ severity: 'Unknown' })] })).warnings).toEqual([]);
  });
});

describe('report rules', () => {
  test.each([
    ['Trivy Results null is a clean scan', trivy({ Results: null }), []],
    ['Trivy Results without Vulnerabilities', trivy({ Results: [{ Target: 't', Class: 'os-pkgs' }] }), []],
    [
      'Trivy custom Results are skipped',
      trivy({ Results: [{ Class: 'custom', Vulnerabilities: [trivyVuln({})] }] }),
      [],
    ],
    [
      'Trivy empty FixedVersion and missing Severity',
      trivy({ Results: [{ Class: 'os-pkgs', Vulnerabilities: [trivyVuln({ FixedVersion: '', Severity: undefined })] }] }),
      [{ id: 'CVE-2024-0001', package: 'openssl', installed: '3.1.4-r5', fixed: null, severity: 'UNKNOWN' }],
    ],
    [
      'Trivy unknown severity word and missing versions',
      trivy({
        Results: [
          { Class: 'lang-pkgs', Vulnerabilities: [trivyVuln({ Severity: 'SEVERE', InstalledVersion: undefined, FixedVersion: undefined })] },
        ],
      }),
      [{ id: 'CVE-2024-0001', package: 'openssl', installed: '', fixed: null, severity: 'UNKNOWN' }],
    ],
    [
      'Trivy same id+package+version in two Results counts once, at the stricter severity',
      trivy({
        Results: [
          { Class: 'lang-pkgs', Target: 'a.jar', Vulnerabilities: [trivyVuln({ Severity: 'MEDIUM' })] },
          { Class: 'lang-pkgs', Target: 'b.jar', Vulnerabilities: [trivyVuln({ Severity: 'CRITICAL' }), trivyVuln({ InstalledVersion: '3.0' })] },
        ],
      }),
      [
        { id: 'CVE-2024-0001', package: 'openssl', installed: '3.1.4-r5', fixed: '3.1.4-r6', severity: 'CRITICAL' },
        { id: 'CVE-2024-0001', package: 'openssl', installed: '3.0', fixed: '3.1.4-r6', severity: 'HIGH' },
      ],
    ],
    [
      'Grype ignoredMatches and relatedVulnerabilities are not findings',
      grype({
        matches: [grypeMatch({}, { relatedVulnerabilities: [{ id: 'CVE-2024-0003', severity: 'Critical' }] })],
        ignoredMatches: [grypeMatch({ id: 'CVE-2024-0004', severity: 'Critical' })],
      }),
      [{ id: 'CVE-2024-0002', package: 'pkg', installed: '1.0', fixed: '1.2', severity: 'HIGH' }],
    ],
    [
      'Grype severities: Negligible → LOW, missing/null/odd → UNKNOWN, no fix object → not fixed',
      grype({
        matches: [
          grypeMatch({ id: 'A', severity: 'Negligible', fix: { versions: [], state: 'not-fixed' } }),
          grypeMatch({ id: 'B', severity: null, fix: undefined }),
          grypeMatch({ id: 'C', severity: 'Unknown', fix: { versions: ['1.1', '2.0'] } }),
          grypeMatch({ id: 'D', severity: 'Critical' }),
          grypeMatch({ id: 'E', severity: 'medium' }),
          grypeMatch({ id: 'F', severity: 'Whatever' }),
        ],
      }),
      [
        { id: 'A', package: 'pkg', installed: '1.0', fixed: null, severity: 'LOW' },
        { id: 'B', package: 'pkg', installed: '1.0', fixed: null, severity: 'UNKNOWN' },
        { id: 'C', package: 'pkg', installed: '1.0', fixed: '1.1, 2.0', severity: 'UNKNOWN' },
        { id: 'D', package: 'pkg', installed: '1.0', fixed: '1.2', severity: 'CRITICAL' },
        { id: 'E', package: 'pkg', installed: '1.0', fixed: '1.2', severity: 'MEDIUM' },
        { id: 'F', package: 'pkg', installed: '1.0', fixed: '1.2', severity: 'UNKNOWN' },
      ],
    ],
  ])('%s', (_name, input, findings) => {
    expect(parsed(input).findings).toEqual(findings);
  });

  test('RepoDigests are normalised, deduplicated, and unusable entries skipped', () => {
    const d = 'sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a';
    const report = parsed(
      trivy({
        Metadata: {
          ImageID: `sha256:${'5'.repeat(64)}`,
          RepoDigests: [
            `alpine@${d}`,
            `docker.io/library/alpine@${d}`,
            `index.docker.io/alpine:3.20@${d}`,
            'alpine:latest',
            'sha256:test',
            'test-image@sha256:test',
            `Alpine@${d}`,
            `registry.corp.example:5443/team/app@${d}`,
            `md5app@md5:${'0'.repeat(32)}`,
          ],
        },
      }),
    );
    expect(report.repoDigests).toEqual([
      { repository: 'docker.io/library/alpine', digest: d },
      { repository: 'registry.corp.example:5443/team/app', digest: d },
    ]);
  });

  test('Grype repoDigests come from source.target, never manifestDigest or imageID', () => {
    const d = `sha256:${'c'.repeat(64)}`;
    const report = parsed(
      grype({
        source: {
          type: 'image',
          target: { userInput: 'busybox', manifestDigest: `sha256:${'1'.repeat(64)}`, imageID: `sha256:${'2'.repeat(64)}`, repoDigests: [`busybox@${d}`] },
        },
      }),
    );
    expect(report.repoDigests).toEqual([{ repository: 'docker.io/library/busybox', digest: d }]);
    expect(report.artifact).toBe('busybox');
  });

  test.each([
    ['Trivy empty CreatedAt', trivy({ CreatedAt: '' }), null],
    ['Trivy CreatedAt with nanoseconds', trivy({ CreatedAt: '2021-08-25T12:20:30.999999999Z' }), at('2021-08-25T12:20:30.999Z')],
    ['Trivy CreatedAt with an offset', trivy({ CreatedAt: '2024-12-26T21:58:15.943876+05:30' }), at('2024-12-26T16:28:15.943Z')],
    ['Grype missing descriptor', JSON.stringify({ matches: [], source: { type: 'unknown', target: 'x' } }), null],
    ['Grype timestamp', grype({ descriptor: { timestamp: '2024-02-22T19:46:26.372724916+01:00' } }), at('2024-02-22T18:46:26.372Z')],
  ])('%s', (_name, input, scannedAt) => {
    expect(parsed(input).scannedAt).toBe(scannedAt);
  });
});

describe('corrupt or foreign input is refused, never thrown', () => {
  const harborEvent = JSON.stringify({
    type: 'SCANNING_COMPLETED',
    occur_at: 1680502375,
    operator: 'auto',
    event_data: { resources: [{ digest: `sha256:${'9'.repeat(64)}` }] },
  });

  test.each([
    ['empty file', '', undefined, 'empty report'],
    ['whitespace only', ' \n\t', undefined, 'empty report'],
    ['JSON null', 'null', undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a JSON null'],
    ['a number', '42', undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a JSON number'],
    ['a string', '"trivy"', undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a JSON string'],
    ['an unrelated array', '[1,2]', undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a JSON array'],
    ['a Harbor webhook', harborEvent, undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a Harbor webhook event'],
    ['a CloudEvent', '{"specversion":"1.0","type":"harbor.scan.completed"}', undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a CloudEvents event'],
    ['a registry notification', '{"events":[]}', undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a registry notification envelope'],
    ['another object', '{"hello":"world"}', undefined, 'not a Trivy (SchemaVersion 2) or Grype JSON report: found a JSON object without SchemaVersion/Results or matches/descriptor'],
    [
      'legacy Trivy array',
      '[{"Target":"alpine:3.9 (alpine 3.9.4)","Vulnerabilities":[]}]',
      undefined,
      'legacy Trivy report (a bare array, before SchemaVersion 2) is not supported: re-scan with a current Trivy',
    ],
    ['Trivy SchemaVersion 1', '{"SchemaVersion":1,"ArtifactName":"x","Results":[]}', undefined, 'unsupported Trivy SchemaVersion 1: only 2 is supported'],
    ['Trivy SchemaVersion "2"', '{"SchemaVersion":"2","ArtifactName":"x"}', undefined, 'unsupported Trivy SchemaVersion "2": only 2 is supported'],
    ['Results not an array', trivy({ Results: {} }), undefined, 'Results: must be an array (got an object)'],
    ['a Result not an object', trivy({ Results: ['x'] }), undefined, 'Results[0]: must be an object (got string "x")'],
    ['Vulnerabilities not an array', trivy({ Results: [{ Vulnerabilities: 'none' }] }), undefined, 'Results[0].Vulnerabilities: must be an array (got string "none")'],
    [
      'a Vulnerability without PkgName',
      trivy({ Results: [{ Class: 'os-pkgs' }, { Class: 'os-pkgs', Vulnerabilities: [trivyVuln({}), trivyVuln({}), trivyVuln({}), trivyVuln({ PkgName: undefined })] }] }),
      undefined,
      'Results[1].Vulnerabilities[3].PkgName: is required',
    ],
    ['a Vulnerability without VulnerabilityID', trivy({ Results: [{ Vulnerabilities: [trivyVuln({ VulnerabilityID: '' })] }] }), undefined, 'Results[0].Vulnerabilities[0].VulnerabilityID: must be a non-empty string (got string "")'],
    ['a numeric Severity', trivy({ Results: [{ Vulnerabilities: [trivyVuln({ Severity: 4 })] }] }), undefined, 'Results[0].Vulnerabilities[0].Severity: must be a string (got number 4)'],
    ['a Vulnerability not an object', trivy({ Results: [{ Vulnerabilities: [null] }] }), undefined, 'Results[0].Vulnerabilities[0]: must be an object (got null)'],
    ['RepoDigests not an array', trivy({ Metadata: { RepoDigests: 'alpine@sha256:x' } }), undefined, 'Metadata.RepoDigests: must be an array (got string "alpine@sha256:x")'],
    ['RepoDigests with a number', trivy({ Metadata: { RepoDigests: [7] } }), undefined, 'Metadata.RepoDigests[0]: must be a string (got number 7)'],
    ['unparseable CreatedAt', trivy({ CreatedAt: 'yesterday' }), undefined, 'CreatedAt: is not a valid date-time: "yesterday"'],
    ['impossible CreatedAt', trivy({ CreatedAt: '2021-02-30T00:00:00Z' }), undefined, 'CreatedAt: is not a valid date-time: "2021-02-30T00:00:00Z"'],
    ['ArtifactName not a string', trivy({ ArtifactName: 5 }), undefined, 'ArtifactName: must be a string (got number 5)'],
    ['Grype matches not an array', grype({ matches: {} }), undefined, 'matches: must be an array (got an object)'],
    ['Grype match without vulnerability', grype({ matches: [{ artifact: { name: 'a' } }] }), undefined, 'matches[0].vulnerability: is required'],
    ['Grype match without id', grype({ matches: [grypeMatch({}), grypeMatch({ id: undefined })] }), undefined, 'matches[1].vulnerability.id: is required'],
    ['Grype match without artifact name', grype({ matches: [{ vulnerability: { id: 'X' }, artifact: {} }] }), undefined, 'matches[0].artifact.name: is required'],
    ['Grype fix.versions not strings', grype({ matches: [grypeMatch({ fix: { versions: [1] } })] }), undefined, 'matches[0].vulnerability.fix.versions[0]: must be a string (got number 1)'],
    ['Grype target a number', grype({ source: { type: 'image', target: 3 } }), undefined, 'source.target: must be a string or an object'],
    ['Grype bad timestamp', grype({ descriptor: { timestamp: 'now' } }), undefined, 'descriptor.timestamp: is not a valid date-time: "now"'],
    ['a Grype report read as Trivy', fixture('grype', 'grype-presenter-image.json'), 'trivy', 'not a Trivy report: SchemaVersion is missing'],
    ['a Trivy report read as Grype', fixture('trivy', 'alpine-39.json'), 'grype', 'not a Grype report: matches is missing'],
    ['a Harbor webhook read as Trivy', harborEvent, 'trivy', 'not a Trivy report: SchemaVersion is missing'],
  ] as const)('%s', (_name, input, format, error) => {
    expect(parseScanReport(input, format)).toEqual({ ok: false, problems: [error] });
  });

  test.each([
    ['truncated JSON', '{"SchemaVersion": 2, "Results": ['],
    ['not JSON at all', 'CVE-2019-14697 musl CRITICAL'],
    ['a truncated real report', fixture('trivy', 'alpine-39.json').slice(0, 5000)],
  ])('%s', (_name, input) => {
    const result = parseScanReport(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(/^report is not valid JSON: /)]);
    expect(result.ok ? '' : result.problems[0]).toMatch(/^report is not valid JSON: /);
  });
});
