import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startServeInProcess } from './serve-in-process';
import type { ServeHandle } from './serve-process';

// `serve --events-listen` in this process, and what a registry sends it.

export const HARBOR_SECRET = 'harbor-shared-secret-0123456789';
export const REGISTRY_SECRET = 'registry-shared-secret-0123456789';

export interface EventsServer {
  readonly serve: ServeHandle;
  /** `http://127.0.0.1:PORT` of the events listener. */
  readonly eventsUrl: string;
}

export interface EventsAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Starts serve with both listeners on ephemeral loopback ports; `secretsFile` gets both sources' secrets. */
export async function startEventsServer(dbPath: string, policyFile: string, secretsFile: string, extra: readonly string[] = []): Promise<EventsServer> {
  fs.writeFileSync(secretsFile, `# test secrets\nharbor ${HARBOR_SECRET}\nregistry ${REGISTRY_SECRET}\n`);
  const serve = await startServeInProcess([
    '--db', dbPath, 'serve', '--listen', '127.0.0.1:0', '--policy', policyFile,
    '--events-listen', '127.0.0.1:0', '--events-secret-file', secretsFile, ...extra,
  ]);
  return { serve, eventsUrl: `http://${await eventsAddress(serve)}` };
}

/** The events listener starts right after the webhook's: waits (bounded) for its `serving registry events` line. */
async function eventsAddress(serve: ServeHandle): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const line = serve.logs.find((l) => l.msg === 'serving registry events');
    if (typeof line?.address === 'string') return line.address;
    await sleep(25);
  }
  throw new Error('the events listener did not start within 10 s');
}

export async function postEvent(
  url: string,
  body: string | Buffer,
  headers: Readonly<Record<string, string>>,
): Promise<EventsAnswer> {
  const res = await request(url, { method: 'POST', headers, body });
  const text = await res.body.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.statusCode, body: parsed };
}

export function harborHeaders(contentType = 'application/json', secret = HARBOR_SECRET): Record<string, string> {
  return { 'content-type': contentType, authorization: secret };
}

export function registryHeaders(contentType = 'application/vnd.docker.distribution.events.v1+json', secret = REGISTRY_SECRET): Record<string, string> {
  return { 'content-type': contentType, authorization: `Bearer ${secret}` };
}
