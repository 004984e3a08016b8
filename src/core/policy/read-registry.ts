import { jsonOk, jsonProblem, readNonEmptyString } from '../json-reader';
import type { JsonReader } from '../json-reader';

/**
 * A registry is a host[:port] (glob allowed), compared with the normalised host of a reference (SPEC §3). A port
 * that is not a glob must be one a registry can listen on (1–65535, no leading zero: `host:05000` would
 * never equal the `host:5000` a reference names), so a typo is refused instead of silently matching nothing.
 */
export const readRegistry: JsonReader<string> = (value, path) => {
  const read = readNonEmptyString(value, path);
  if (!read.ok) return read;
  const host = read.value;
  if (/[/\s@]/.test(host)) {
    return jsonProblem(path, `must be a registry host[:port] without scheme or path (got ${JSON.stringify(host)})`);
  }
  if (host.toLowerCase() === 'index.docker.io') {
    return jsonProblem(path, 'write docker.io: references to index.docker.io are normalised to docker.io (SPEC §3)');
  }
  // The port follows the last colon outside an IPv6 literal's brackets (`[::1]:5000`).
  const port = /^(?:\[[^\]]*\]|[^:[\]]*):([^:]*)$/.exec(host)?.[1];
  if (port !== undefined && !/[*?]/.test(port) && !isPort(port)) {
    return jsonProblem(path, `port must be 1–65535 (got ${JSON.stringify(host)})`);
  }
  return jsonOk(host);
};

function isPort(text: string): boolean {
  const port = Number(text);
  return /^[1-9]\d{0,4}$/.test(text) && port <= 65535;
}
