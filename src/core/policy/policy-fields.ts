// Readers for the policy's value shapes. Each records a problem with its path and returns undefined instead of
// throwing, so that validation can go on and report every problem at once (STYLE 4).

export type RawMapping = Readonly<Record<string, unknown>>;

/** Collects `path: message` lines in the order they are found. */
export class Problems {
  private readonly lines: string[] = [];

  add(path: string, message: string): undefined {
    this.lines.push(`${path === '' ? '(policy)' : path}: ${message}`);
    return undefined;
  }

  get list(): readonly string[] {
    return this.lines;
  }
}

/** `scan.maxFindings.CRITICAL`, `versionFloors[0].range`; odd keys are quoted so the path stays readable. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return parent === '' ? part : `${parent}.${part}`;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return isMapping(value) ? 'a mapping' : `an object (${value.constructor?.name ?? 'unknown'})`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Plain objects only: YAML tags such as `!!binary` yield Buffers, which are objects but not mappings. */
function isMapping(value: unknown): value is RawMapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export function readMapping(value: unknown, path: string, problems: Problems): RawMapping | undefined {
  return isMapping(value) ? value : problems.add(path, `must be a mapping (got ${describe(value)})`);
}

/** Unknown keys are errors, not ignored: a misspelt ceiling would otherwise silently mean "unlimited". */
export function rejectUnknownKeys(map: RawMapping, known: readonly string[], path: string, problems: Problems): void {
  for (const key of Object.keys(map)) {
    if (known.includes(key)) continue;
    const near = known.find((candidate) => isNear(candidate.toLowerCase(), key.toLowerCase()));
    problems.add(joinPath(path, key), near === undefined ? 'unknown key' : `unknown key (did you mean ${near}?)`);
  }
}

/** The value of `key`, or `fallback` when the key is absent (defaults) or its value is invalid (problem recorded). */
export function field<T>(
  map: RawMapping,
  key: string,
  path: string,
  problems: Problems,
  read: (value: unknown, path: string, problems: Problems) => T | undefined,
  fallback: T,
): T {
  if (!Object.prototype.hasOwnProperty.call(map, key)) return fallback;
  return read(map[key], joinPath(path, key), problems) ?? fallback;
}

/** The value of a key that must be present; its absence is a problem. */
export function required<T>(
  map: RawMapping,
  key: string,
  path: string,
  problems: Problems,
  read: (value: unknown, path: string, problems: Problems) => T | undefined,
): T | undefined {
  if (!Object.prototype.hasOwnProperty.call(map, key)) return problems.add(joinPath(path, key), 'is required');
  return read(map[key], joinPath(path, key), problems);
}

export function readPositiveInteger(value: unknown, path: string, problems: Problems): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  return problems.add(path, `must be a whole number ≥ 1 (got ${describe(value)})`);
}

export function readBoolean(value: unknown, path: string, problems: Problems): boolean | undefined {
  return typeof value === 'boolean' ? value : problems.add(path, `must be true or false (got ${describe(value)})`);
}

export function readNonNegativeNumber(value: unknown, path: string, problems: Problems): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  return problems.add(path, `must be a number ≥ 0 (got ${describe(value)})`);
}

export function readNonNegativeInteger(value: unknown, path: string, problems: Problems): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return problems.add(path, `must be a whole number ≥ 0 (got ${describe(value)})`);
}

export function readNonEmptyString(value: unknown, path: string, problems: Problems): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  return problems.add(path, `must be a non-empty string (got ${describe(value)})`);
}

export function readOneOf<T extends string>(
  allowed: readonly T[],
): (value: unknown, path: string, problems: Problems) => T | undefined {
  return (value, path, problems) =>
    allowed.find((candidate) => candidate === value) ??
    problems.add(path, `must be one of ${allowed.join(', ')} (got ${describe(value)})`);
}

/** A list whose items are each read (and reported) on their own; an invalid item drops out of the result. */
export function readList<T>(
  readItem: (value: unknown, path: string, problems: Problems) => T | undefined,
): (value: unknown, path: string, problems: Problems) => readonly T[] | undefined {
  return (value, path, problems) => {
    if (!Array.isArray(value)) return problems.add(path, `must be a list (got ${describe(value)})`);
    const items: T[] = [];
    value.forEach((item: unknown, index) => {
      const read = readItem(item, joinPath(path, index), problems);
      if (read !== undefined) items.push(read);
    });
    return items;
  };
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
