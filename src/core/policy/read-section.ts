// Readers for the two shapes a policy is made of, which report every problem of a file at once (STYLE 4).
import { JsonProblems, fieldOr, jsonOk, jsonProblem, readObject, rejectUnknownKeys } from '../json-reader';
import type { JsonObject, JsonReader } from '../json-reader';

/**
 * A section: an object with only `keys`, whose fields are read by `build` through `field`, each falling back to
 * its default when absent or invalid (the invalid one's problem kept).
 */
export function readSection<T>(
  keys: readonly string[],
  build: (field: <F>(key: string, read: JsonReader<F>, fallback: F) => F) => T,
): JsonReader<T> {
  return (value, path) => {
    const map = readObject(value, path);
    if (!map.ok) return map;
    const problems = new JsonProblems();
    problems.take(rejectUnknownKeys(map.value, keys, path), map.value);
    const built = build((key, read, fallback) => problems.take(fieldOr(map.value, key, path, read, fallback), fallback));
    return problems.result(built);
  };
}

/** An entry whose fields are all required: every missing or bad one is reported, and the entry drops out. */
export function readEntry<T>(keys: readonly string[], build: (map: JsonObject, path: string, problems: JsonProblems) => T | undefined): JsonReader<T> {
  return (value, path) => {
    const map = readObject(value, path);
    if (!map.ok) return map;
    const problems = new JsonProblems();
    problems.take(rejectUnknownKeys(map.value, keys, path), map.value);
    const built = build(map.value, path, problems);
    const result = problems.result(built);
    if (!result.ok) return result;
    return result.value === undefined ? jsonProblem(path, 'is incomplete') : jsonOk(result.value);
  };
}
