import { parseDocument } from 'yaml';
import type { CompiledPolicy, Policy, SignatureTrust } from '../types';
import { compilePolicy } from './compile-policy';
import { validatePolicy } from './validate-policy';

/**
 * Reads and checks the files the `signatures` entries name (keys, trusted roots), one SignatureTrust per entry, or
 * the problems with their paths. Passed in by the edge (src/signatures/load-signature-trust.ts): the core does no I/O.
 */
export type SignatureTrustLoader = (
  policy: Policy,
) => { readonly ok: true; readonly trust: readonly SignatureTrust[] } | { readonly ok: false; readonly problems: readonly string[] };

/** Without a loader, a policy with `signatures` entries cannot be used: its keys were never read. */
const NO_FILES: SignatureTrustLoader = (policy) =>
  policy.signatures.length === 0
    ? { ok: true, trust: [] }
    : { ok: false, problems: ['signatures: key files cannot be read here'] };

export type PolicyParse =
  | { readonly ok: true; readonly policy: CompiledPolicy }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Parses a policy file (SPEC §5): YAML 1.2, so JSON is accepted too. Duplicate keys are an error rather than "last
 * one wins", since a policy that says two things must not silently mean one of them.
 */
export function parsePolicy(text: string, source: string, loadTrust: SignatureTrustLoader = NO_FILES): PolicyParse {
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    // prettyErrors appends " at line L, column C:" and a source excerpt; the first line is what a one-line error needs.
    return { ok: false, problems: doc.errors.map((error) => `YAML: ${error.message.split('\n')[0].replace(/:$/, '')}`) };
  }
  if (doc.contents === null) return { ok: false, problems: ['(policy): the document is empty'] };
  let raw: unknown;
  try {
    // The alias cap bounds "billion laughs" expansion; exceeding it throws.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, problems: [`YAML: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const validated = validatePolicy(raw);
  if (!validated.ok) return { ok: false, problems: validated.problems };
  const trust = loadTrust(validated.policy);
  if (!trust.ok) return { ok: false, problems: trust.problems };
  return { ok: true, policy: compilePolicy(validated.policy, source, trust.trust) };
}
