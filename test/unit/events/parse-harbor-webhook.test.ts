import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHarborWebhook } from '../../../src/core/events/parse-harbor-webhook';
import type { ParsedEvents } from '../../../src/core/events/registry-event';

// Every Harbor payload in test/fixtures/harbor/ (copied from ../shared/samples/harbor, sources in its expected.json),
// read as the /events/harbor endpoint reads it, against what expected.json says it holds.

const DIR = join(__dirname, '..', '..', 'fixtures', 'harbor');

interface ExpectedResource {
  readonly digest: string;
  readonly tag: string | null;
  readonly image_ref_by_digest: string;
  readonly resource_url_host: string;
  readonly scan_overview: readonly { readonly scan_status: string; readonly scanner: { readonly name: string } | null }[];
}

interface ExpectedFile {
  readonly format: 'Default' | 'CloudEvents';
  readonly type: string;
  readonly occur_at: number | null;
  readonly time: string | null;
  readonly operator: string;
  readonly repository: { readonly name: string; readonly namespace: string };
  readonly resources: readonly ExpectedResource[];
}

const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { files: Record<string, ExpectedFile> };
const KINDS: Record<string, string> = {
  PUSH_ARTIFACT: 'push',
  'harbor.artifact.pushed': 'push',
  DELETE_ARTIFACT: 'delete',
  SCANNING_COMPLETED: 'scan-completed',
  'harbor.scan.completed': 'scan-completed',
  SCANNING_FAILED: 'scan-failed',
  SCANNING_STOPPED: 'scan-stopped',
};

/** The CloudEvents example is published with `//` comments (not JSON): stripped, as the samples' README says. */
function body(file: string): unknown {
  const text = readFileSync(join(DIR, file), 'utf8');
  return JSON.parse(file.endsWith('.jsonc') ? text.replace(/^\s*\/\/.*$/gm, '') : text);
}

function read(file: string, format: 'default' | 'cloudevents'): ParsedEvents {
  const parsed = parseHarborWebhook(body(file), format);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problems.join('; ')}`);
  return parsed.value;
}

describe('Harbor webhook payloads (every sample)', () => {
  const files = Object.entries(expected.files);

  it('covers every payload file of the fixtures directory', () => {
    expect(files.length).toBe(12);
  });

  it.each(files)('%s: each resource is one event keyed by <host of resource_url>/<repo_full_name>@<digest>', (file, want) => {
    const format = want.format === 'CloudEvents' ? 'cloudevents' : 'default';
    const { events, ignored } = read(file, format);
    expect(ignored).toEqual([]);
    expect(events.map((e) => ({ ...e, key: typeof e.key }))).toEqual(
      want.resources.map((resource) => ({
        source: 'harbor',
        type: want.type,
        kind: KINDS[want.type],
        key: 'string',
        registry: resource.resource_url_host,
        repository: resource.image_ref_by_digest.split('@')[0],
        digest: resource.digest,
        // Pushed by digest, Harbor repeats the digest as the tag (quirk 2): that is no tag.
        tag: resource.tag === resource.digest ? null : resource.tag,
        actor: want.operator,
        occurredAt: want.occur_at !== null ? want.occur_at * 1000 : Date.parse(want.time ?? ''),
        harborRepository: { project: want.repository.namespace, name: want.repository.name },
        scan:
          resource.scan_overview.length === 0
            ? null
            : {
                status: resource.scan_overview[0]?.scan_status,
                endedAt: expect.any(Number),
                scannerName: resource.scan_overview[0]?.scanner?.name ?? null,
              },
      })),
    );
  });

  it('gives a redelivered event the same key, and the same digest pushed again another key', () => {
    const once = read('zulip-push-artifact.json', 'default').events[0];
    const again = read('zulip-push-artifact.json', 'default').events[0];
    expect(again?.key).toBe(once?.key);
    const later = parseHarborWebhook({ ...(body('zulip-push-artifact.json') as object), occur_at: 1571334700 }, 'default');
    expect(later.ok && later.value.events[0]?.key).not.toBe(once?.key);
  });

  it('dates a scan by its end time (scan_overview end_time)', () => {
    expect(read('zulip-scanning-completed.json', 'default').events[0]?.scan?.endedAt).toBe(Date.parse('2022-03-31T08:32:56Z'));
  });

  it('refuses a CloudEvents body sent with the Default content type, and the reverse, naming the fix', () => {
    expect(parseHarborWebhook(body('harbor-docs-scanning-completed-cloudevents.json'), 'default')).toEqual({
      ok: false,
      problems: ['this is a CloudEvents body (it has specversion): send it with Content-Type application/cloudevents+json'],
    });
    expect(parseHarborWebhook(body('harbor-docs-scanning-completed-default.json'), 'cloudevents')).toEqual({
      ok: false,
      problems: ['this is a Default-format Harbor body (event_data, no specversion): send it with Content-Type application/json'],
    });
  });

  it('refuses an unknown event type, and ignores known types that change nothing here', () => {
    const push = body('zulip-push-artifact.json') as Record<string, unknown>;
    expect(parseHarborWebhook({ ...push, type: 'PUSH_IMAGE' }, 'default')).toEqual({ ok: false, problems: ['type: unknown Harbor event type "PUSH_IMAGE"'] });
    expect(parseHarborWebhook({ ...push, type: 'PULL_ARTIFACT' }, 'default')).toEqual({
      ok: true,
      value: { events: [], ignored: [{ source: 'harbor', type: 'PULL_ARTIFACT', reason: 'PULL_ARTIFACT events change nothing here' }] },
    });
  });

  it('refuses a body that is not a Harbor event, naming the field', () => {
    expect(parseHarborWebhook([], 'default')).toEqual({ ok: false, problems: ['a Harbor webhook body must be a JSON object'] });
    const push = body('zulip-push-artifact.json') as Record<string, unknown>;
    expect(parseHarborWebhook({ ...push, event_data: { repository: { name: 'x', namespace: 'y' } } }, 'default')).toEqual({
      ok: false,
      problems: ['event_data.resources: is required'],
    });
  });
});
