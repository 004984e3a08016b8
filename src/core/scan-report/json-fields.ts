// Readers that validate untrusted report JSON field by field (STYLE 10: no casts at boundaries).
// Each failure names the field by its path in the document (`Results[0].Vulnerabilities[3].PkgName`).
import { parseIsoTimestamp } from '../time-spec';

export type JsonRecord = { readonly [key: string]: unknown };
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Own properties only: a key such as `constructor` must not be found on Object.prototype. */
function own(record: JsonRecord, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function wrongType(path: string, expected: string, value: unknown): { readonly ok: false; readonly error: string } {
  return { ok: false, error: `${path} must be ${expected}, not ${describe(value)}` };
}

/** A string field; missing or null reads as null. */
export function optionalString(record: JsonRecord, key: string, path: string): Read<string | null> {
  const value = own(record, key);
  if (value === undefined || value === null) return { ok: true, value: null };
  if (typeof value !== 'string') return wrongType(childPath(path, key), 'a string', value);
  return { ok: true, value };
}

/** A string field that must be present and non-empty. */
export function requiredString(record: JsonRecord, key: string, path: string): Read<string> {
  const read = optionalString(record, key, path);
  if (!read.ok) return read;
  if (read.value === null || read.value === '') return { ok: false, error: `${childPath(path, key)} is missing` };
  return { ok: true, value: read.value };
}

/** An array field; missing or null reads as null. */
export function optionalArray(record: JsonRecord, key: string, path: string): Read<readonly unknown[] | null> {
  const value = own(record, key);
  if (value === undefined || value === null) return { ok: true, value: null };
  if (!Array.isArray(value)) return wrongType(childPath(path, key), 'an array', value);
  return { ok: true, value };
}

/** An object field; missing or null reads as null. */
export function optionalRecord(record: JsonRecord, key: string, path: string): Read<JsonRecord | null> {
  const value = own(record, key);
  if (value === undefined || value === null) return { ok: true, value: null };
  if (!isRecord(value)) return wrongType(childPath(path, key), 'an object', value);
  return { ok: true, value };
}

export function requiredRecord(record: JsonRecord, key: string, path: string): Read<JsonRecord> {
  const read = optionalRecord(record, key, path);
  if (!read.ok) return read;
  if (read.value === null) return { ok: false, error: `${childPath(path, key)} is missing` };
  return { ok: true, value: read.value };
}

/** An array-of-strings field; missing or null reads as no strings. */
export function optionalStringList(record: JsonRecord, key: string, path: string): Read<readonly string[]> {
  const items = optionalArray(record, key, path);
  if (!items.ok) return items;
  return stringItems(items.value ?? [], childPath(path, key));
}

/** An RFC 3339 date-time string field as epoch ms; missing, null or empty reads as null (undated). */
export function optionalTimestamp(record: JsonRecord, key: string, path: string): Read<number | null> {
  const text = optionalString(record, key, path);
  if (!text.ok) return text;
  if (text.value === null || text.value === '') return { ok: true, value: null };
  const value = parseIsoTimestamp(text.value);
  if (value === null) return { ok: false, error: `${childPath(path, key)} is not a valid date-time: ${JSON.stringify(text.value)}` };
  return { ok: true, value };
}

/** Reads every element of an array in order; the first element that fails fails the whole. */
export function readEach<T>(items: readonly unknown[], path: string, read: (item: unknown, path: string) => Read<T>): Read<readonly T[]> {
  const values: T[] = [];
  for (const [index, item] of items.entries()) {
    const value = read(item, childPath(path, index));
    if (!value.ok) return value;
    values.push(value.value);
  }
  return { ok: true, value: values };
}

/** Every element of an array must be a string. */
export function stringItems(items: readonly unknown[], path: string): Read<readonly string[]> {
  const strings: string[] = [];
  for (const [index, item] of items.entries()) {
    if (typeof item !== 'string') return wrongType(childPath(path, index), 'a string', item);
    strings.push(item);
  }
  return { ok: true, value: strings };
}

export function hasKey(record: JsonRecord, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

export function fieldValue(record: JsonRecord, key: string): unknown {
  return own(record, key);
}
