import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRegistryNotification } from '../../../src/core/events/parse-registry-notification';

// Every distribution notification envelope in test/fixtures/registry-notifications/ (copied from
// ../shared/samples/registry-notifications, sources in its expected.json), read as /events/registry reads it.

const DIR = join(__dirname, '..', '..', 'fixtures', 'registry-notifications');

interface ExpectedEvent {
  readonly id: string;
  readonly action: string;
  readonly digest: string;
  readonly digest_is_valid_sha256: boolean;
  readonly repository: string;
  readonly tag: string | null;
  readonly is_manifest: boolean;
  readonly actor: string | null;
  readonly 'request.host': string;
}

const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  files: Record<string, { readonly events?: readonly ExpectedEvent[] }>;
};

function envelope(file: string): unknown {
  const text = readFileSync(join(DIR, file), 'utf8');
  // The .http and .txt captures hold headers, then the body after the first blank line.
  return JSON.parse(file.endsWith('.json') ? text : text.slice(text.search(/\r?\n\r?\n/)));
}

const BODIES: readonly [string, string][] = [
  ['distribution-docs-pull-manifest-event.json', 'distribution-docs-pull-manifest-event.json'],
  ['distribution-docs-push-envelope.json', 'distribution-docs-push-envelope.json'],
  ['distribution-event-test-envelope-v3.json', 'distribution-event-test-envelope-v3.json'],
  ['distribution-event-test-envelope-v2.8.3.json', 'distribution-event-test-envelope-v2.8.3.json'],
  ['registry2-captured-push-event.json', 'registry2-captured-push-event.json'],
  // The captured requests carry the same bodies as their .json siblings.
  ['distribution-docs-full-request.http', 'distribution-docs-push-envelope.json'],
  ['registry2-captured-push-request.txt', 'registry2-captured-push-event.json'],
];

describe('distribution notification envelopes (every sample)', () => {
  it.each(BODIES)('%s: manifest pushes with a valid digest become pending-digest events, the rest is ignored', (file, expectedOf) => {
    const events = expected.files[expectedOf]?.events ?? [];
    const parsed = parseRegistryNotification(envelope(file));
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const kept = events.filter((e) => e.action === 'push' && e.is_manifest && e.digest_is_valid_sha256);
    expect(parsed.value.events).toEqual(
      kept.map((e) => ({
        source: 'registry',
        type: 'push',
        kind: 'push',
        key: expect.stringMatching(/^[0-9a-f]{64}$/),
        registry: e['request.host'],
        // The host is request.host: `nginx` pushed to hub.docker.example.com:5000 is not docker.io/library/nginx.
        repository: `${e['request.host']}/${e.repository}`,
        digest: e.digest,
        tag: e.tag,
        actor: e.actor,
        occurredAt: expect.any(Number),
        harborRepository: null,
        scan: null,
      })),
    );
    expect(parsed.value.ignored).toHaveLength(events.length - kept.length);
  });

  it('says why each ignored event changes nothing', () => {
    const parsed = parseRegistryNotification(envelope('distribution-event-test-envelope-v3.json'));
    expect(parsed.ok && parsed.value.ignored.map((e) => e.reason)).toEqual([
      'invalid digest "sha256:0123456789abcdef0"',
      'not a manifest (application/vnd.docker.container.image.rootfs.diff+x-gtar)',
      'not a manifest (application/vnd.docker.container.image.rootfs.diff+x-gtar)',
    ]);
    const pull = parseRegistryNotification(envelope('distribution-docs-pull-manifest-event.json'));
    expect(pull.ok && pull.value.ignored).toEqual([{ source: 'registry', type: 'pull', reason: 'pull events change nothing here' }]);
  });

  it('keys an event by its id, so a redelivery has the same key', () => {
    const a = parseRegistryNotification(envelope('registry2-captured-push-event.json'));
    const b = parseRegistryNotification(envelope('registry2-captured-push-request.txt'));
    expect(a.ok && a.value.events[0]?.key).toBe(b.ok && b.value.events[0]?.key);
  });

  it('refuses what is not an envelope, naming the field', () => {
    expect(parseRegistryNotification([])).toEqual({ ok: false, problems: ['a notification envelope must be a JSON object {"events": [...]}'] });
    expect(parseRegistryNotification({})).toEqual({ ok: false, problems: ['events: is required'] });
    expect(parseRegistryNotification({ events: [{ action: 'push' }] })).toEqual({ ok: false, problems: ['events[0].target: is required'] });
  });
});
