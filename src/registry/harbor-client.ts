// Harbor's API, for what its webhooks only summarise: the vulnerability report of a scanned artifact
// (`GET /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{digest}/additions/vulnerabilities`).
// Same transport as the registry client (undici, timeouts, bounded retries) and the same credential sources (a Docker
// config.json entry for the Harbor host, or --registry-username/--registry-password-stdin): a robot account with
// read access to the project's artifacts.
import type { ArtifactEvent } from '../core/events/registry-event';
import { RegistryError, UsageError } from '../errors';
import type { HarborReports } from '../service/receive-registry-event';
import type { CredentialLookup } from './docker-config';
import { basicAuthorization } from './fetch-bearer-token';
import { type HttpTransportOptions, createHttpTransport } from './http-transport';
import { describeNetworkError } from './network-error';
import { allowsPlainHttp, parseInsecureRegistries } from './registry-endpoint';

export interface HarborClientOptions {
  /** Harbor's base URL (`serve --harbor-url`), e.g. `https://harbor.corp.example`. */
  readonly baseUrl: string;
  readonly credentials: CredentialLookup;
  readonly insecureRegistries: Iterable<string>;
  /** How long one report fetch may take, retries included (default 10 s). */
  readonly timeoutMs?: number;
  readonly http?: Omit<HttpTransportOptions, 'insecureRegistries'>;
}

export type HarborClient = HarborReports & { close(): Promise<void> };

/** Both report types Harbor knows (its UI asks for the same), the generic one first. */
const ACCEPT_VULNERABILITIES =
  'application/vnd.security.vulnerability.report; version=1.1, application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';

const MAX_REPORT_BYTES = 32 * 1024 * 1024;

export function createHarborClient(options: HarborClientOptions): HarborClient {
  const base = parseHarborUrl(options.baseUrl);
  const insecureRegistries = parseInsecureRegistries([...options.insecureRegistries]);
  if (base.protocol === 'http:' && !allowsPlainHttp(base.host, insecureRegistries)) {
    throw new UsageError(`--harbor-url ${options.baseUrl}: plain HTTP only for loopback hosts and --insecure-registry hosts`);
  }
  const transport = createHttpTransport({ retries: 1, ...options.http, insecureRegistries });
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    fetchReport: async (event) => {
      const url = reportUrl(base, event);
      const credentials = options.credentials(base.host);
      const headers: Record<string, string> = { accept: 'application/json', 'x-accept-vulnerabilities': ACCEPT_VULNERABILITIES };
      if (credentials !== null) headers.authorization = basicAuthorization(credentials);
      let status: number;
      let body: Buffer;
      try {
        ({ status, body } = await transport.send({ url, method: 'GET', headers, maxBytes: MAX_REPORT_BYTES, signal: AbortSignal.timeout(timeoutMs) }));
      } catch (err) {
        throw describeNetworkError(err, url);
      }
      if (status < 200 || status > 299) {
        throw new RegistryError(`Harbor answered ${status} for the report of ${event.repository}@${event.digest}${status === 401 || status === 403 ? ' (check the robot account credentials)' : ''}`);
      }
      return body;
    },
    close: () => transport.close(),
  };
}

/**
 * Harbor's API takes the repository name inside the project as one path segment: a name with `/` (`alpine/helm`) is
 * URL-encoded twice (`alpine%252Fhelm`), as Harbor's API documentation says, since one decoding happens before routing.
 */
export function reportUrl(base: URL, event: ArtifactEvent): URL {
  if (event.harborRepository === null) throw new RegistryError(`${event.repository}@${event.digest} is not a Harbor artifact`);
  const { project, name } = event.harborRepository;
  const path = [
    'api/v2.0/projects',
    encodeURIComponent(project),
    'repositories',
    encodeURIComponent(encodeURIComponent(name)),
    'artifacts',
    // A digest (sha256:hex, checked when the event was read) is a path segment as it stands; Harbor routes it so.
    event.digest,
    'additions/vulnerabilities',
  ].join('/');
  return new URL(`${base.pathname.replace(/\/+$/, '')}/${path}`, base.origin);
}

function parseHarborUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--harbor-url must be a URL such as https://harbor.corp.example, not ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--harbor-url must be http(s), not ${url.protocol}`);
  return url;
}
