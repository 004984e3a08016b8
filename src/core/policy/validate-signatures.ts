import {
  JsonProblems,
  fieldOr,
  jsonOk,
  jsonPath,
  jsonProblem,
  readBoolean,
  readListOf,
  readNonEmptyString,
  readObject,
  readOneOf,
  rejectUnknownKeys,
  requiredField,
  describeJson,
} from '../json-reader';
import type { JsonReader } from '../json-reader';
import { TRANSPARENCY_LOG_MODES } from '../types';
import type { KeylessIdentity, SignatureRule } from '../types';

const RULE_KEYS = ['repository', 'keys', 'keyless', 'trustedRoot', 'threshold', 'transparencyLog', 'approves'] as const;

const readPositiveInteger: JsonReader<number> = (value, path) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
    ? jsonOk(value)
    : jsonProblem(path, `must be a whole number ≥ 1 (got ${describeJson(value)})`);

const readKeylessIdentity: JsonReader<KeylessIdentity> = (value, path) => {
  const map = readObject(value, path);
  if (!map.ok) return map;
  const problems = new JsonProblems();
  problems.take(rejectUnknownKeys(map.value, ['issuer', 'subject'], path), null);
  const issuer = problems.take(requiredField(map.value, 'issuer', path, readNonEmptyString), null);
  const subject = problems.take(requiredField(map.value, 'subject', path, readNonEmptyString), null);
  const result = problems.result(null);
  if (!result.ok) return result;
  return issuer === null || subject === null ? jsonProblem(path, 'is incomplete') : jsonOk({ issuer, subject });
};

/**
 * One `signatures` entry (SPEC §5). Only the shape is checked here: the key and trusted-root files are read and
 * parsed when the policy is loaded (src/signatures/load-signature-trust.ts), which keeps the core free of I/O.
 */
export const readSignatureRule: JsonReader<SignatureRule> = (value, path) => {
  const map = readObject(value, path);
  if (!map.ok) return map;
  const problems = new JsonProblems();
  const object = map.value;
  problems.take(rejectUnknownKeys(object, RULE_KEYS, path), null);
  const field = <T>(key: string, read: JsonReader<T>, fallback: T): T => problems.take(fieldOr(object, key, path, read, fallback), fallback);
  const repository = problems.take(requiredField(object, 'repository', path, readNonEmptyString), null);
  const keys = field('keys', readListOf(readNonEmptyString), []);
  const keyless = field('keyless', readListOf(readKeylessIdentity), []);
  const trustedRoot = field<string | null>('trustedRoot', readNonEmptyString, null);
  const transparencyLog = field('transparencyLog', readOneOf(TRANSPARENCY_LOG_MODES), 'skip');
  const approves = field('approves', readBoolean, false);
  const threshold = field('threshold', readPositiveInteger, 1);
  const signers = keys.length + keyless.length;
  if (signers === 0) problems.add(path, 'needs at least one of keys or keyless');
  else if (threshold > signers) problems.add(jsonPath(path, 'threshold'), `is ${threshold}, but only ${signers} keys/identities are listed`);
  keys.forEach((key, index) => {
    if (keys.indexOf(key) !== index) problems.add(jsonPath(jsonPath(path, 'keys'), index), `${JSON.stringify(key)} is listed twice`);
  });
  if (keyless.length > 0 && trustedRoot === null) {
    problems.add(jsonPath(path, 'trustedRoot'), 'is required with keyless (the Fulcio CAs certificates chain to)');
  }
  if (keyless.length > 0 && transparencyLog === 'skip') {
    problems.add(
      jsonPath(path, 'transparencyLog'),
      'must be require with keyless: Fulcio certificates live minutes, so only a transparency-log time proves the signature was made while the certificate was valid',
    );
  }
  if (transparencyLog === 'require' && trustedRoot === null) {
    problems.add(jsonPath(path, 'trustedRoot'), 'is required with transparencyLog: require (the Rekor keys that sign log entries)');
  }
  const result = problems.result(null);
  if (!result.ok) return result;
  if (repository === null) return jsonProblem(path, 'is incomplete');
  return jsonOk({ repository, keys, keyless, trustedRoot, threshold, transparencyLog, approves });
};
