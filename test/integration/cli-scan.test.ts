import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli';
import { countRows } from '../helpers/store-query';
import { useCliStore } from '../helpers/use-cli-store';

// `scan import` and `scan show` with real Trivy and Grype reports (test/fixtures), against a real store.

const FIXTURES = path.resolve(__dirname, '../fixtures');
const TRIVY_ALPINE = path.join(FIXTURES, 'trivy/docs-alpine-latest.json');
const TRIVY_ALPINE_39 = path.join(FIXTURES, 'trivy/alpine-39.json');
const TRIVY_MULTI = path.join(FIXTURES, 'trivy/defectdojo-image-multi-digest.json');
const GRYPE_BUSYBOX = path.join(FIXTURES, 'grype/defectdojo-busybox-1.32.1-epss.json');
const GRYPE_NO_DIGEST = path.join(FIXTURES, 'grype/grype-presenter-image.json');
const ALPINE_DIGEST = 'sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a';
const BUSYBOX_DIGEST = 'sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7';
const DC = `sha256:${'c'.repeat(64)}`;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const store = useCliStore('cli-scan-');
const { cli, query } = store;

function storeCounts(): Record<string, number> {
  const n = (table: string): number => countRows(store.dbPath, table);
  return { scans: n('scans'), targets: n('scan_targets'), findings: n('findings'), changes: n('change_log') };
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('scan import', () => {
  it('imports a Trivy report for the registry digest it names, dated by the scanner', async () => {
    expect(await cli('scan', 'import', TRIVY_ALPINE, '--by', 'alice')).toEqual({
      status: 0,
      stdout: `imported trivy scan of docker.io/library/alpine@${ALPINE_DIGEST} (scanned 2024-12-26T16:28:15.943Z): CRITICAL 0, HIGH 0, MEDIUM 0, LOW 2, UNKNOWN 0\n`,
      stderr: '',
    });
    expect(
      query('SELECT scanner, scanned_at, scanned_at_source, imported_by, report_sha256, critical, high, medium, low, unknown FROM scans'),
    ).toEqual([
      {
        scanner: 'trivy',
        scanned_at: Date.parse('2024-12-26T16:28:15.943Z'),
        scanned_at_source: 'report',
        imported_by: 'alice',
        report_sha256: sha256(TRIVY_ALPINE),
        critical: 0,
        high: 0,
        medium: 0,
        low: 2,
        unknown: 0,
      },
    ]);
    expect(query('SELECT digest, scan_id, repository FROM scan_targets')).toEqual([
      { digest: ALPINE_DIGEST, scan_id: 1, repository: 'docker.io/library/alpine' },
    ]);
    expect(query('SELECT count(*) AS n FROM findings')).toEqual([{ n: 2 }]);
    expect(query('SELECT actor, action, subject FROM change_log')).toEqual([{ actor: 'alice', action: 'scan-import', subject: 'scan:1' }]);
  });

  it('imports a Grype report (format detected) for its source.target.repoDigests', async () => {
    expect(await cli('scan', 'import', GRYPE_BUSYBOX)).toEqual({
      status: 0,
      stdout: `imported grype scan of docker.io/library/busybox@${BUSYBOX_DIGEST} (scanned 2025-06-19T11:43:35.523Z): CRITICAL 1, HIGH 10, MEDIUM 2, LOW 2, UNKNOWN 0\n`,
      stderr: '',
    });
    expect(storeCounts()).toEqual({ scans: 1, targets: 1, findings: 15, changes: 1 });
  });

  it('applies a report to every digest it names, dated by import time when the report has none', async () => {
    const result = await cli('scan', 'import', TRIVY_MULTI, '--format', 'trivy');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^imported trivy scan of ghcr\\.io/example/api@sha256:(a1){32}, ghcr\\.io/example/api@sha256:(b2){32} \\(undated report: dated by import time \\S+\\): CRITICAL 0, HIGH 1, MEDIUM 0, LOW 0, UNKNOWN 0\\n$`,
      ),
    );
    expect(query('SELECT scanned_at_source FROM scans')).toEqual([{ scanned_at_source: 'import' }]);
    expect(storeCounts()).toMatchObject({ scans: 1, targets: 2 });
  });

  it('needs --image when the report names no registry digest, and then uses it', async () => {
    const refused = await cli('scan', 'import', TRIVY_ALPINE_39);
    expect(refused).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: ${TRIVY_ALPINE_39} names no registry digest (Trivy Metadata.RepoDigests / Grype source.target.repoDigests): pass --image repo@sha256:…\n`,
    });
    expect(storeCounts()).toEqual({ scans: 0, targets: 0, findings: 0, changes: 0 });
    expect(await cli('scan', 'import', TRIVY_ALPINE_39, '--image', `ghcr.io/aquasecurity/trivy-test-images:alpine-39@${DC}`)).toEqual({
      status: 0,
      stdout: `imported trivy scan of ghcr.io/aquasecurity/trivy-test-images@${DC} (scanned 2021-08-25T12:20:30.000Z): CRITICAL 2, HIGH 0, MEDIUM 4, LOW 0, UNKNOWN 0\n`,
      stderr: '',
    });
  });

  it('refuses a Grype report without repoDigests unless --image is given', async () => {
    expect((await cli('scan', 'import', GRYPE_NO_DIGEST)).status).toBe(1);
    expect((await cli('scan', 'import', GRYPE_NO_DIGEST, '--image', `registry.corp.example/app@${DC}`)).status).toBe(0);
    expect(query('SELECT digest, repository FROM scan_targets')).toEqual([{ digest: DC, repository: 'registry.corp.example/app' }]);
  });

  it('lets --image replace the digests the report names, with a warning when it is not among them', async () => {
    const result = await cli('scan', 'import', TRIVY_ALPINE, '--image', `registry.corp.example/alpine@${DC}`);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      `warning: --image ${DC} is not among the digests the report names (docker.io/library/alpine@${ALPINE_DIGEST}); recording --image\n`,
    );
    expect(query('SELECT digest, repository FROM scan_targets')).toEqual([{ digest: DC, repository: 'registry.corp.example/alpine' }]);
  });

  it('counts a severity it does not know as UNKNOWN and says so on stderr', async () => {
    const report = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: 'app',
      CreatedAt: '2024-01-01T00:00:00Z',
      Results: [{ Class: 'os-pkgs', Vulnerabilities: [{ VulnerabilityID: 'CVE-2024-1', PkgName: 'openssl', InstalledVersion: '1', Severity: 'SEVERE' }] }],
    });
    const file = write('odd-severity.json', report);
    const result = await cli('scan', 'import', file, '--image', `registry.corp.example/app@${DC}`);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(`warning: ${file}: 1 finding has a severity not known here ("SEVERE"): counted as UNKNOWN\n`);
    expect(query('SELECT critical, unknown FROM scans')).toEqual([{ critical: 0, unknown: 1 }]);
  });

  it('refuses a report dated in the future, storing nothing', async () => {
    const report = JSON.parse(fs.readFileSync(TRIVY_ALPINE, 'utf8')) as Record<string, unknown>;
    const file = write('future.json', JSON.stringify({ ...report, CreatedAt: '2099-01-01T00:00:00Z' }));
    const result = await cli('scan', 'import', file);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^error: .*future\.json: the report is dated 2099-01-01T00:00:00Z, more than 5 minutes ahead of this machine's clock \(\d{4}-[^)]+\): refused, since a scan from the future would stay the newest for ever; check the scanner's clock\n$/,
    );
    expect(storeCounts()).toEqual({ scans: 0, targets: 0, findings: 0, changes: 0 });
  });

  it('says so when the imported report is older than the newest scan, which keeps deciding', async () => {
    const image = `registry.corp.example/alpine@${DC}`;
    expect((await cli('scan', 'import', TRIVY_ALPINE, '--image', image)).status).toBe(0);
    const older = await cli('scan', 'import', TRIVY_ALPINE_39, '--image', image);
    expect(older.status).toBe(0);
    expect(older.stdout.split('\n')[1]).toBe(
      `not the newest scan of ${image}: scan 1 (scanned 2024-12-26T16:28:15.943Z) still decides, so this report does not change its verdict`,
    );
    expect(JSON.parse((await cli('scan', 'show', image, '--json')).stdout)).toMatchObject({ scannedAt: '2024-12-26T16:28:15.943Z' });
    expect(storeCounts().scans).toBe(2);
  });

  it('reads the report from stdin for - (trivy image -f json … | image-reviewer scan import -)', async () => {
    const result = await runCli(store.dbPath, ['scan', 'import', '-', '--by', 'alice'], {}, fs.readFileSync(TRIVY_ALPINE, 'utf8'));
    expect(result).toEqual({
      status: 0,
      stdout: `imported trivy scan of docker.io/library/alpine@${ALPINE_DIGEST} (scanned 2024-12-26T16:28:15.943Z): CRITICAL 0, HIGH 0, MEDIUM 0, LOW 2, UNKNOWN 0\n`,
      stderr: '',
    });
    expect(query('SELECT report_sha256, imported_by FROM scans')).toEqual([{ report_sha256: sha256(TRIVY_ALPINE), imported_by: 'alice' }]);
    // Messages name stdin, as they name a file.
    expect(await runCli(store.dbPath, ['scan', 'import', '-'], {}, '{"kind":"Pod"}')).toMatchObject({
      status: 1,
      stderr: 'error: stdin: not a Trivy (SchemaVersion 2) or Grype JSON report: found a JSON object without SchemaVersion/Results or matches/descriptor\n',
    });
    expect(storeCounts().scans).toBe(1);
  });

  it.each([
    ['a missing file', () => [store.dir.file('missing.json')], 1, /^error: cannot read .*missing\.json: ENOENT/],
    ['a corrupt report', () => [write('bad.json', '{"SchemaVersion": 2, "Results": [')], 1, /^error: .*bad\.json: report is not valid JSON: /],
    ['a JSON file that is no report', () => [write('other.json', '{"kind":"Pod"}')], 1, /^error: .*other\.json: not a Trivy \(SchemaVersion 2\) or Grype JSON report/],
    ['a report of the other format than --format', () => [GRYPE_BUSYBOX, '--format', 'trivy'], 1, /^error: .*: not a Trivy report/],
    ['an unknown --format', () => [TRIVY_ALPINE, '--format', 'snyk'], 2, /^error: --format must be trivy or grype, got "snyk"\n$/],
    ['an --image without digest', () => [TRIVY_ALPINE_39, '--image', 'alpine:3.9'], 2, /^error: --image needs a digest reference \(repo@sha256:…\), got alpine:3\.9\n$/],
    ['an unparseable --image', () => [TRIVY_ALPINE_39, '--image', 'Alpine@x'], 2, /^error: --image: invalid image reference "Alpine@x": /],
    ['a file over the size limit', () => [sparse('huge.json', 256 * 1024 * 1024 + 1)], 1, /^error: .*huge\.json is 268435457 bytes, over the 268435456-byte limit for a scan report\n$/],
  ])('exits with the documented code on %s, storing nothing', async (_name, args, status, stderr) => {
    const result = await cli('scan', 'import', ...args());
    expect(result.status).toBe(status);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(stderr);
    expect(storeCounts()).toEqual({ scans: 0, targets: 0, findings: 0, changes: 0 });
  });
});

describe('scan list', () => {
  beforeEach(async () => {
    await cli('scan', 'import', TRIVY_ALPINE_39, '--image', `registry.corp.example/web/alpine@${DC}`, '--by', 'alice');
    await cli('scan', 'import', TRIVY_ALPINE, '--image', `registry.corp.example/web/alpine@${DC}`);
    await cli('scan', 'import', GRYPE_BUSYBOX);
  });

  it('lists stored scans newest first, one per digest, marking the one each digest is judged by', async () => {
    const result = await cli('scan', 'list', '--json');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const listed = JSON.parse(result.stdout) as { id: number; repository: string; digest: string; scannedAt: string; newest: boolean }[];
    expect(listed.map((s) => [s.id, s.repository, s.digest, s.newest])).toEqual([
      [3, 'docker.io/library/busybox', BUSYBOX_DIGEST, true],
      [2, 'registry.corp.example/web/alpine', DC, true],
      [1, 'registry.corp.example/web/alpine', DC, false],
    ]);
    expect(listed[1]).toEqual({
      id: 2,
      repository: 'registry.corp.example/web/alpine',
      digest: DC,
      scanner: 'trivy',
      scannerVersion: null,
      scannedAt: '2024-12-26T16:28:15.943Z',
      scannedAtSource: 'report',
      importedAt: expect.stringMatching(ISO),
      importedBy: 'tester',
      counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 2, UNKNOWN: 0 },
      newest: true,
    });
  });

  it('filters by repository glob, and prints a table and CSV', async () => {
    const table = await cli('scan', 'list', '--repository', 'registry.corp.example/*');
    expect(table).toMatchObject({ status: 0, stderr: '' });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+REPOSITORY\s+DIGEST\s+SCANNER\s+SCANNED\s+CRITICAL\s+HIGH\s+MEDIUM\s+LOW\s+UNKNOWN\s+DECIDES$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['2', 'registry.corp.example/web/alpine', DC, 'trivy', '2024-12-26T16:28:15.943Z', '0', '0', '0', '2', '0', 'yes'],
      ['1', 'registry.corp.example/web/alpine', DC, 'trivy dev', '2021-08-25T12:20:30.000Z', expect.any(String), expect.any(String), expect.any(String), expect.any(String), expect.any(String), '-'],
    ]);
    const csv = (await cli('scan', 'list', '--csv', '--repository', 'docker.io/*')).stdout.replace(/\n$/, '').split('\r\n');
    expect(csv[0]).toBe('id,repository,digest,scanner,scannerVersion,scannedAt,scannedAtSource,importedAt,importedBy,CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN,newest');
    expect(csv.slice(1)).toEqual([expect.stringMatching(new RegExp(`^3,docker\\.io/library/busybox,${BUSYBOX_DIGEST},grype,`))]);
  });

  it('says so when there is nothing to list, and refuses --json with --csv', async () => {
    expect(await cli('scan', 'list', '--repository', 'nowhere/*')).toEqual({ status: 0, stdout: 'no scans (import one with `image-reviewer scan import`)\n', stderr: '' });
    expect(await cli('scan', 'list', '--repository', 'nowhere/*', '--json')).toEqual({ status: 0, stdout: '[]\n', stderr: '' });
    expect(await cli('scan', 'list', '--json', '--csv')).toEqual({ status: 2, stdout: '', stderr: 'error: --json and --csv cannot be combined\n' });
  });
});

describe('scan show', () => {
  it('prints the newest scan of a digest as JSON (SPEC §7 shape)', async () => {
    await cli('scan', 'import', TRIVY_ALPINE_39, '--image', `ghcr.io/aquasecurity/trivy-test-images@${DC}`);
    const result = await cli('scan', 'show', `ghcr.io/aquasecurity/trivy-test-images@${DC}`, '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      digest: DC,
      scanner: 'trivy',
      scannerVersion: expect.any(String),
      scannedAt: '2021-08-25T12:20:30.000Z',
      scannedAtSource: 'report',
      importedAt: expect.stringMatching(ISO),
      importedBy: 'tester',
      repositories: ['ghcr.io/aquasecurity/trivy-test-images'],
      counts: { CRITICAL: 2, HIGH: 0, MEDIUM: 4, LOW: 0, UNKNOWN: 0 },
      findings: [
        { id: 'CVE-2019-14697', package: 'musl', installed: '1.1.20-r4', fixed: '1.1.20-r5', severity: 'CRITICAL' },
        { id: 'CVE-2019-14697', package: 'musl-utils', installed: '1.1.20-r4', fixed: '1.1.20-r5', severity: 'CRITICAL' },
        { id: 'CVE-2019-1549', package: 'libcrypto1.1', installed: '1.1.1b-r1', fixed: '1.1.1d-r0', severity: 'MEDIUM' },
        { id: 'CVE-2019-1549', package: 'libssl1.1', installed: '1.1.1b-r1', fixed: '1.1.1d-r0', severity: 'MEDIUM' },
        { id: 'CVE-2019-1551', package: 'libcrypto1.1', installed: '1.1.1b-r1', fixed: '1.1.1d-r2', severity: 'MEDIUM' },
        { id: 'CVE-2019-1551', package: 'libssl1.1', installed: '1.1.1b-r1', fixed: '1.1.1d-r2', severity: 'MEDIUM' },
      ],
    });
  });

  it('chooses the scan that ran last, whatever the import order', async () => {
    await cli('scan', 'import', TRIVY_ALPINE, '--image', `alpine@${DC}`);
    await cli('scan', 'import', TRIVY_ALPINE_39, '--image', `alpine@${DC}`);
    const shown = JSON.parse((await cli('scan', 'show', DC, '--json')).stdout) as { scannedAt: string };
    expect(shown.scannedAt).toBe('2024-12-26T16:28:15.943Z');
  });

  it('prints counts and a findings table by default', async () => {
    await cli('scan', 'import', TRIVY_ALPINE);
    const result = await cli('scan', 'show', `alpine@${ALPINE_DIGEST}`);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    // This report names no scanner version, so none is printed.
    expect(lines[0]).toBe(`${ALPINE_DIGEST}: trivy scan of 2024-12-26T16:28:15.943Z`);
    expect(lines[1]).toBe('CRITICAL 0, HIGH 0, MEDIUM 0, LOW 2, UNKNOWN 0');
    expect(lines[2]).toBe('');
    expect(lines[3]).toMatch(/^ID\s+PACKAGE\s+INSTALLED\s+FIXED\s+SEVERITY$/);
    expect(lines.slice(4)).toHaveLength(2);
    expect(lines.slice(4).every((l) => l.endsWith('LOW'))).toBe(true);
  });

  it.each([
    ['no scan of the digest', [`alpine@${DC}`], 1, `error: no scan of ${DC} (import one with \`image-reviewer scan import\`)\n`],
    ['a reference without digest', ['alpine:3.9'], 2, 'error: scan show needs a digest reference (repo@sha256:… or sha256:…), got alpine:3.9\n'],
  ])('exits with the documented code on %s', async (_name, args, status, stderr) => {
    expect((await cli('migrate')).status).toBe(0);
    expect(await cli('scan', 'show', ...args)).toEqual({ status, stdout: '', stderr });
  });
});

function write(name: string, text: string): string {
  const file = store.dir.file(name);
  fs.writeFileSync(file, text);
  return file;
}

/** A file of `size` bytes that takes no disk space (a hole), to test the size limit cheaply. */
function sparse(name: string, size: number): string {
  const file = store.dir.file(name);
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
  return file;
}
