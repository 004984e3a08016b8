import { TRANSPARENCY_LOG_MODES } from '../types';
import type { KeylessIdentity, SignatureRule } from '../types';
import {
  Problems,
  field,
  joinPath,
  readBoolean,
  readList,
  readMapping,
  readNonEmptyString,
  readOneOf,
  readPositiveInteger,
  rejectUnknownKeys,
  required,
} from './policy-fields';

const RULE_KEYS = ['repository', 'keys', 'keyless', 'trustedRoot', 'threshold', 'transparencyLog', 'approves'] as const;

/**
 * One `signatures` entry (SPEC §5). Only the shape is checked here: the key and trusted-root files are read and
 * parsed when the policy is loaded (src/signatures/load-signature-trust.ts), which keeps the core free of I/O.
 */
export function readSignatureRule(value: unknown, path: string, problems: Problems): SignatureRule | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, RULE_KEYS, path, problems);
  const before = problems.list.length;
  const repository = required(map, 'repository', path, problems, readNonEmptyString);
  const keys = field(map, 'keys', path, problems, readList(readNonEmptyString), []);
  const keyless = field(map, 'keyless', path, problems, readList(readKeylessIdentity), []);
  const trustedRoot = field<string | null>(map, 'trustedRoot', path, problems, readNonEmptyString, null);
  const transparencyLog = field(map, 'transparencyLog', path, problems, readOneOf(TRANSPARENCY_LOG_MODES), 'skip');
  const approves = field(map, 'approves', path, problems, readBoolean, false);
  const threshold = field(map, 'threshold', path, problems, readPositiveInteger, 1);
  const signers = keys.length + keyless.length;
  if (signers === 0) problems.add(path, 'needs at least one of keys or keyless');
  else if (threshold > signers) {
    problems.add(joinPath(path, 'threshold'), `is ${threshold}, but only ${signers} keys/identities are listed`);
  }
  duplicates(keys, joinPath(path, 'keys'), problems);
  if (keyless.length > 0 && trustedRoot === null) {
    problems.add(joinPath(path, 'trustedRoot'), 'is required with keyless (the Fulcio CAs certificates chain to)');
  }
  if (keyless.length > 0 && transparencyLog === 'skip') {
    problems.add(
      joinPath(path, 'transparencyLog'),
      'must be require with keyless: Fulcio certificates live minutes, so only a transparency-log time proves the signature was made while the certificate was valid',
    );
  }
  if (transparencyLog === 'require' && trustedRoot === null) {
    problems.add(joinPath(path, 'trustedRoot'), 'is required with transparencyLog: require (the Rekor keys that sign log entries)');
  }
  if (problems.list.length > before || repository === undefined) return undefined;
  return { repository, keys, keyless, trustedRoot, threshold, transparencyLog, approves };
}

function readKeylessIdentity(value: unknown, path: string, problems: Problems): KeylessIdentity | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, ['issuer', 'subject'], path, problems);
  const issuer = required(map, 'issuer', path, problems, readNonEmptyString);
  const subject = required(map, 'subject', path, problems, readNonEmptyString);
  return issuer === undefined || subject === undefined ? undefined : { issuer, subject };
}

/** The same key listed twice would count twice towards the threshold. */
function duplicates(keys: readonly string[], path: string, problems: Problems): void {
  keys.forEach((key, index) => {
    if (keys.indexOf(key) !== index) problems.add(joinPath(path, index), `${JSON.stringify(key)} is listed twice`);
  });
}
