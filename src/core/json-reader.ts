// The one reader for untrusted JSON (and YAML read as JSON): policy files, scan reports, registry manifests and
// image configs, Docker config.json. Values are validated field by field into typed values (STYLE 10: no casts at
// boundaries), and every problem names its place in the document (`Results[0].Vulnerabilities[3].PkgName`,
// `auths["registry.corp.example"].auth`) so that a user can find it.
import { parseIsoTimestamp } from './time-spec';

export type JsonObject = { readonly [key: string]: unknown };

/**
 * The one result type. A failure lists problems as `path: message` (just `message` at the root); readers that
 * stop at the first problem give one, readers that go on (lists, `JsonProblems`) give all they found.
 */
export type JsonRead<T> = { readonly ok: true; readonly value: T } | JsonFailure;
export interface JsonFailure {
  readonly ok: false;
  readonly problems: readonly string[];
}

/** Reads `value`, found at `path`, as a T. */
export type JsonReader<T> = (value: unknown, path: string) => JsonRead<T>;

export function jsonOk<T>(value: T): JsonRead<T> {
  return { ok: true, value };
}

export function jsonProblem(path: string, message: string): JsonFailure {
  return { ok: false, problems: [path === '' ? message : `${path}: ${message}`] };
}

/** One line for an error message: the first problem, and how many more there are. */
export function problemText(failure: JsonFailure): string {
  const [first = 'invalid', ...rest] = failure.problems;
  return rest.length === 0 ? first : `${first} (and ${rest.length} more)`;
}

/**
 * Plain objects only: a YAML tag such as `!!binary` yields a Buffer, and an object made with another prototype may
 * answer keys it does not own; neither is a JSON object.
 */
export function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `scan.maxFindings.CRITICAL`, `versionFloors[0].range`, `auths["https://index.docker.io/v1/"]`. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** What a value is, for "(got …)": short, and never the whole of a long string. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return isJsonObject(value) ? 'an object' : `an object (${value.constructor?.name ?? 'unknown'})`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Own properties only: a key such as `constructor` must not be found on Object.prototype. */
export function hasField(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

export function fieldValue(object: JsonObject, key: string): unknown {
  return hasField(object, key) ? object[key] : undefined;
}

function expected<T>(what: string): JsonReader<T> {
  return (value, path) => jsonProblem(path, `must be ${what} (got ${describeJson(value)})`);
}

export const readString: JsonReader<string> = (value, path) =>
  typeof value === 'string' ? jsonOk(value) : expected<string>('a string')(value, path);

export const readNonEmptyString: JsonReader<string> = (value, path) =>
  typeof value === 'string' && value.trim() !== '' ? jsonOk(value) : expected<string>('a non-empty string')(value, path);

export const readBoolean: JsonReader<boolean> = (value, path) =>
  typeof value === 'boolean' ? jsonOk(value) : expected<boolean>('true or false')(value, path);

export const readNonNegativeNumber: JsonReader<number> = (value, path) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? jsonOk(value) : expected<number>('a number ≥ 0')(value, path);

export const readNonNegativeInteger: JsonReader<number> = (value, path) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? jsonOk(value)
    : expected<number>('a whole number ≥ 0')(value, path);

export const readObject: JsonReader<JsonObject> = (value, path) =>
  isJsonObject(value) ? jsonOk(value) : expected<JsonObject>('an object')(value, path);

export const readArray: JsonReader<readonly unknown[]> = (value, path) =>
  Array.isArray(value) ? jsonOk<readonly unknown[]>(value) : expected<readonly unknown[]>('an array')(value, path);

/** An RFC 3339 date-time (Trivy's nanoseconds included) as epoch ms. */
export const readTimestamp: JsonReader<number> = (value, path) => {
  const text = readString(value, path);
  if (!text.ok) return text;
  const time = parseIsoTimestamp(text.value);
  return time === null ? jsonProblem(path, `is not a valid date-time: ${JSON.stringify(text.value)}`) : jsonOk(time);
};

export function readOneOf<T extends string>(allowed: readonly T[]): JsonReader<T> {
  return (value, path) => {
    const found = allowed.find((candidate) => candidate === value);
    return found === undefined ? expected<T>(`one of ${allowed.join(', ')}`)(value, path) : jsonOk(found);
  };
}

/** An array whose items are each read; every bad item is reported, not only the first. */
export function readListOf<T>(readItem: JsonReader<T>): JsonReader<readonly T[]> {
  return (value, path) => {
    const list = readArray(value, path);
    if (!list.ok) return list;
    const problems = new JsonProblems();
    const items: T[] = [];
    list.value.forEach((item, index) => {
      const read = problems.take(readItem(item, jsonPath(path, index)), undefined);
      if (read !== undefined) items.push(read);
    });
    return problems.result<readonly T[]>(items);
  };
}

/** The field read with `read`, or null when it is absent or null (most document formats' "omitempty"). */
export function optionalField<T>(object: JsonObject, key: string, path: string, read: JsonReader<T>): JsonRead<T | null> {
  const value = fieldValue(object, key);
  return value === undefined || value === null ? jsonOk(null) : read(value, jsonPath(path, key));
}

/** The field read with `read`; absent or null is a problem. */
export function requiredField<T>(object: JsonObject, key: string, path: string, read: JsonReader<T>): JsonRead<T> {
  const value = fieldValue(object, key);
  return value === undefined || value === null ? jsonProblem(jsonPath(path, key), 'is required') : read(value, jsonPath(path, key));
}

/** The field read with `read`, or `fallback` only when the key is absent: a written null is read, and refused. */
export function fieldOr<T>(object: JsonObject, key: string, path: string, read: JsonReader<T>, fallback: T): JsonRead<T> {
  return hasField(object, key) ? read(object[key], jsonPath(path, key)) : jsonOk(fallback);
}

/** Unknown keys are problems, not ignored: a misspelt key would otherwise silently mean its default. */
export function rejectUnknownKeys(object: JsonObject, known: readonly string[], path: string): JsonRead<JsonObject> {
  const problems = new JsonProblems();
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const near = known.find((candidate) => isNear(candidate.toLowerCase(), key.toLowerCase()));
    problems.add(jsonPath(path, key), near === undefined ? 'unknown key' : `unknown key (did you mean ${near}?)`);
  }
  return problems.result(object);
}

/**
 * Collects the problems of several reads and goes on, so that a document with many mistakes (a policy file) is
 * fixed in one pass (STYLE 4).
 */
export class JsonProblems {
  private readonly lines: string[] = [];

  /** The value read, or `fallback` when it failed (its problems kept). */
  take<T, F>(read: JsonRead<T>, fallback: F): T | F {
    if (read.ok) return read.value;
    for (const line of read.problems) this.lines.push(line);
    return fallback;
  }

  add(path: string, message: string): void {
    this.take(jsonProblem(path, message), undefined);
  }

  result<T>(value: T): JsonRead<T> {
    return this.lines.length === 0 ? jsonOk(value) : { ok: false, problems: [...this.lines] };
  }
}

/** A likely misspelling: a couple of edits away, or a truncation (`registry` for `registries`). */
function isNear(candidate: string, key: string): boolean {
  const stem = key.slice(0, -1);
  return editDistance(candidate, key) <= 2 || (stem.length >= 4 && candidate.startsWith(stem));
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** JSON text to a value still to be read; the parser's complaint is kept, since it says where the text broke. */
export function parseJson(text: string): JsonRead<unknown> {
  try {
    return jsonOk<unknown>(JSON.parse(text));
  } catch (err) {
    return jsonProblem('', `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
