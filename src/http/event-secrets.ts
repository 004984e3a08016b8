import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { EVENT_SOURCES, type EventSource } from '../core/events/registry-event';
import { UsageError, errorMessage } from '../errors';

// The shared secret of each event source (SPEC §2 `/events/*`, §10): from `--events-secret-file` (lines
// `harbor SECRET` and `registry SECRET`) or the environment (IMAGE_REVIEWER_HARBOR_SECRET,
// IMAGE_REVIEWER_REGISTRY_SECRET; the file wins). Never logged. A source without a secret accepts nothing.

export type EventSecrets = Readonly<Record<EventSource, string | null>>;

const ENV_NAMES: Readonly<Record<EventSource, string>> = {
  harbor: 'IMAGE_REVIEWER_HARBOR_SECRET',
  registry: 'IMAGE_REVIEWER_REGISTRY_SECRET',
};

/** Shorter secrets are guessable; Harbor's and distribution's configuration take any length. */
const MIN_SECRET_CHARS = 16;

export function loadEventSecrets(file: string | undefined, env: NodeJS.ProcessEnv): EventSecrets {
  const fromFile = file === undefined ? {} : readSecretFile(file);
  const secrets: Record<EventSource, string | null> = { harbor: null, registry: null };
  for (const source of EVENT_SOURCES) {
    const secret = fromFile[source] ?? nonEmpty(env[ENV_NAMES[source]]);
    if (secret !== null && secret.length < MIN_SECRET_CHARS) {
      throw new UsageError(`the ${source} events secret must be at least ${MIN_SECRET_CHARS} characters`);
    }
    secrets[source] = secret;
  }
  if (secrets.harbor === null && secrets.registry === null) {
    throw new UsageError(
      `--events-listen needs a secret: --events-secret-file with "harbor SECRET" and/or "registry SECRET" lines, or ${ENV_NAMES.harbor} / ${ENV_NAMES.registry}`,
    );
  }
  return secrets;
}

function readSecretFile(file: string): Partial<Record<EventSource, string>> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --events-secret-file ${file}: ${errorMessage(err)}`);
  }
  const secrets: Partial<Record<EventSource, string>> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const space = line.search(/\s/);
    const name = space === -1 ? line : line.slice(0, space);
    const source = EVENT_SOURCES.find((s) => s === name);
    // The line itself is never quoted back: it may hold a secret.
    if (source === undefined || space === -1) {
      throw new UsageError(`--events-secret-file ${file} line ${index + 1}: expected "harbor SECRET" or "registry SECRET"`);
    }
    if (secrets[source] !== undefined) throw new UsageError(`--events-secret-file ${file}: ${source} is given twice`);
    secrets[source] = line.slice(space).trim();
  }
  return secrets;
}

/**
 * Whether the Authorization header carries the secret: verbatim (Harbor sends its "Auth Header" value as is) or as
 * `Bearer SECRET` (a distribution endpoint's `headers: {Authorization: [Bearer SECRET]}`). Compared as sha256 digests
 * with timingSafeEqual, so neither the length nor the content of the secret shows in the time taken.
 */
export function carriesSecret(secret: string | null, header: string | undefined): boolean {
  if (secret === null || header === undefined) return false;
  const wanted = digest(secret);
  const given = header.trim();
  const bearer = /^bearer\s+/i.test(given) ? given.replace(/^bearer\s+/i, '') : null;
  // Both comparisons always run, so which form was used does not show either.
  const verbatim = timingSafeEqual(wanted, digest(given));
  const asBearer = timingSafeEqual(wanted, digest(bearer ?? ''));
  return verbatim || (bearer !== null && asBearer);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function nonEmpty(text: string | undefined): string | null {
  return text === undefined || text.trim() === '' ? null : text.trim();
}
