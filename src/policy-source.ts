import fs from 'node:fs';
import path from 'node:path';
import { builtInPolicy, parsePolicy } from './core/policy';
import type { CompiledPolicy } from './core/types';
import { InvalidInputError, errorMessage } from './errors';
import type { Logger } from './logger';
import { signatureTrustLoader } from './signatures/load-signature-trust';

/** Policy files larger than this are refused: a policy is a few KB; anything bigger is a mistake. */
const MAX_POLICY_BYTES = 1024 * 1024;

/** Reads and validates a policy file; InvalidInputError lists every problem with its path (STYLE 4). */
export function loadPolicyFile(file: string): CompiledPolicy {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > MAX_POLICY_BYTES) throw new Error(`larger than ${MAX_POLICY_BYTES} bytes`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read policy ${file}: ${errorMessage(err)}`);
  }
  const parsed = parsePolicy(text, file, signatureTrustLoader(path.dirname(path.resolve(file))));
  if (!parsed.ok) throw new InvalidInputError(`invalid policy ${file}: ${parsed.problems.join('; ')}`);
  return parsed.policy;
}

/** The policy for one-shot commands: the file when given, else the documented built-in default. */
export function loadPolicy(file: string | null): CompiledPolicy {
  return file === null ? builtInPolicy() : loadPolicyFile(file);
}

export type ReloadOutcome =
  | { readonly result: 'changed' | 'unchanged'; readonly policy: CompiledPolicy }
  | { readonly result: 'invalid'; readonly error: string; readonly policy: CompiledPolicy };

export interface PolicySource {
  current(): CompiledPolicy;
  /** Re-reads the file; an invalid file is refused and the policy in force stays (SPEC §5). */
  reload(): ReloadOutcome;
  /** Stops watching the file. */
  close(): void;
}

/**
 * Holds the policy in force for `serve` and reloads it when the file changes. The file is polled (fs.watchFile)
 * rather than watched with inotify because Kubernetes ConfigMap volumes replace files through a symlink swap,
 * which inotify on the old inode misses.
 */
export function createPolicySource(deps: {
  readonly file: string | null;
  readonly logger: Logger;
  readonly pollIntervalMs?: number;
  readonly onReload?: (outcome: ReloadOutcome) => void;
}): PolicySource {
  const { file, logger } = deps;
  let current = loadPolicy(file);

  const reload = (): ReloadOutcome => {
    if (file === null) return { result: 'unchanged', policy: current };
    let outcome: ReloadOutcome;
    try {
      const next = loadPolicyFile(file);
      outcome = { result: next.hash === current.hash ? 'unchanged' : 'changed', policy: next };
      current = next;
      if (outcome.result === 'changed') logger.info('policy reloaded', { policy: file, policyHash: next.hash });
    } catch (err) {
      outcome = { result: 'invalid', error: errorMessage(err), policy: current };
      logger.error('policy reload refused; the previous policy stays in force', {
        policy: file,
        error: outcome.error,
        policyHash: current.hash,
      });
    }
    deps.onReload?.(outcome);
    return outcome;
  };

  const onChange = (): void => void reload();
  if (file !== null) fs.watchFile(file, { interval: deps.pollIntervalMs ?? 1000, persistent: false }, onChange);

  return {
    current: () => current,
    reload,
    close: () => {
      if (file !== null) fs.unwatchFile(file, onChange);
    },
  };
}
