import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError, NotFoundError, UsageError } from '../../../src/errors';
import { addException } from '../../../src/service/add-exception';
import { importScan, prepareScanImport } from '../../../src/service/import-scan';
import { showScan } from '../../../src/service/show-scan';
import { type SqliteStore, openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// `scan import`, `scan show` and `exception add` through the service layer, over a real SQLite store.

const FIXTURES = path.join(__dirname, '../../fixtures');
const TRIVY_ALPINE = fs.readFileSync(path.join(FIXTURES, 'trivy/docs-alpine-latest.json'));
const GRYPE_NO_DIGEST = fs.readFileSync(path.join(FIXTURES, 'grype/grype-presenter-image.json'));
const REPO = 'docker.io/library/alpine';
const OTHER = `sha256:${'e'.repeat(64)}`;
const T0 = Date.UTC(2026, 0, 15);

let tmp: TempDir;
let store: SqliteStore;
beforeEach(() => {
  tmp = makeTempDir('service-scans-');
  store = openSqliteStore(tmp.file('store.db'), 'read-write');
});
afterEach(async () => {
  await store.close();
  tmp.cleanup();
});

const request = (bytes: Buffer, image: { repository: string; digest: string } | null = null) => ({
  source: 'report.json',
  bytes,
  format: undefined,
  image,
  by: 'ci',
  now: T0,
});

describe('prepareScanImport, importScan, showScan', () => {
  it("takes the report's registry digests and stores a scan that showScan then finds", async () => {
    const { input, warnings } = prepareScanImport(request(TRIVY_ALPINE));
    expect(warnings).toEqual([]);
    const alpine = 'sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a';
    expect(input.targets).toEqual([{ repository: 'docker.io/library/alpine', digest: alpine }]);
    const { scan: stored, superseded } = await importScan(store.scans, input);
    expect(superseded).toEqual([]);
    const details = await showScan(store.scans, alpine);
    expect(details.scan).toEqual(stored);
    expect(details.targets).toEqual(input.targets);
    expect(details.findings.length).toBe(input.findings.length);
  });

  it('names the target whose newest scan is another, earlier-imported one: that scan still decides', async () => {
    const newer = await importScan(store.scans, prepareScanImport(request(TRIVY_ALPINE)).input);
    const older = prepareScanImport(request(TRIVY_ALPINE)).input;
    const { superseded } = await importScan(store.scans, { ...older, scannedAt: newer.scan.scannedAt - 1000 });
    expect(superseded).toEqual([{ target: older.targets[0], newest: newer.scan }]);
  });

  it('records --image when the report names other digests, with a warning saying so', () => {
    const { input, warnings } = prepareScanImport(request(TRIVY_ALPINE, { repository: REPO, digest: OTHER }));
    expect(input.targets).toEqual([{ repository: REPO, digest: OTHER }]);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^--image ${OTHER} is not among the digests the report names \\(.+\\); recording --image$`))]);
  });

  it('refuses a report that names no registry digest when no image is given', () => {
    expect(() => prepareScanImport(request(GRYPE_NO_DIGEST))).toThrow(InvalidInputError);
    expect(() => prepareScanImport(request(GRYPE_NO_DIGEST))).toThrow(/^report\.json names no registry digest .*: pass --image repo@sha256:…$/);
  });

  it('refuses what is not a scan report, naming the source', () => {
    expect(() => prepareScanImport(request(Buffer.from('{"nope": 1}')))).toThrow(/^report\.json: /);
  });

  it('showScan rejects with NotFoundError for a digest never scanned', async () => {
    await expect(showScan(store.scans, OTHER)).rejects.toThrow(
      new NotFoundError(`no scan of ${OTHER} (import one with \`image-reviewer scan import\`)`),
    );
  });
});

describe('addException', () => {
  const input = { repository: null, expiresAt: T0 + 1000, reason: 'fix pending', by: 'alice', now: T0 };

  it('adds an exception for a scanner-style ID', async () => {
    const record = await addException(store.exceptions, { ...input, vulnerabilityId: 'GHSA-jfh8-c2jp-5v3q' });
    expect(await store.exceptions.list({ all: false, now: T0 })).toEqual([record]);
  });

  it.each([[''], ['CVE 1'], ['X'.repeat(129)]])('refuses the ID %j and stores nothing', async (id) => {
    expect(() => addException(store.exceptions, { ...input, vulnerabilityId: id })).toThrow(UsageError);
    expect(await store.exceptions.list({ all: true, now: T0 })).toEqual([]);
  });
});
