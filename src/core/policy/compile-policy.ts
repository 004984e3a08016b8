import { createHash } from 'node:crypto';
import semver from 'semver';
import { compileGlob, compileGlobs } from '../glob';
import type { CompiledPolicy, CompiledVersionFloor, Mode, Policy, PolicyMatchers, SignatureTrust } from '../types';
import { canonicalJson } from './canonical-json';

/** Builds the matchers once per policy load (not per request) and identifies the policy by its canonical hash. */
export function compilePolicy(policy: Policy, source: string, signatureTrust: readonly SignatureTrust[] = []): CompiledPolicy {
  return { policy, source, hash: policyHash(policy, signatureTrust), matchers: compileMatchers(policy), signatureTrust };
}

/**
 * sha256 hex of the canonical JSON of the validated policy with its defaults: recorded with every decision (SPEC §5).
 * The policy names key and trusted-root files; their contents count too, since another key is another policy.
 */
export function policyHash(policy: Policy, signatureTrust: readonly SignatureTrust[] = []): string {
  const hash = createHash('sha256').update(canonicalJson(policy));
  for (const trust of signatureTrust) {
    for (const key of trust.keys) hash.update(`\nkey ${key.fingerprint}`);
    if (trust.trustedRootHash !== null) hash.update(`\nroot ${trust.trustedRootHash}`);
  }
  return hash.digest('hex');
}

function compileMatchers(policy: Policy): PolicyMatchers {
  // Host names are case-insensitive (RFC 4343): references arrive with their host lowercased (parseImageRef), so the
  // policy's hosts are lowercased once here, whatever the file says.
  const registries = compileGlobs(policy.registries.map((host) => host.toLowerCase()));
  const namespaceRules = policy.namespaces.map((rule) => ({ matches: compileGlob(rule.match), mode: rule.mode }));
  const breakGlassNamespaces = compileGlobs(policy.breakGlass.namespaces);
  const signatureRules = policy.signatures.map((rule, index) => ({ index, rule, matches: compileGlob(rule.repository) }));
  const autoApproveRules = policy.autoApprove.map((rule) => ({
    rule,
    repository: compileGlob(repositoryPattern(rule.repository)),
    pushedBy: compileGlob(rule.pushedBy),
  }));
  return {
    registryAllowed: registries,
    namespaceMode: (namespace): Mode => namespaceRules.find((rule) => rule.matches(namespace))?.mode ?? policy.defaultMode,
    breakGlassNamespace: (namespace) => breakGlassNamespaces(namespace),
    versionFloors: policy.versionFloors.map(compileVersionFloor),
    signatureRule: (repository) => {
      const found = signatureRules.find((entry) => entry.matches(repository));
      return found === undefined ? null : { index: found.index, rule: found.rule };
    },
    autoApprover: (repository, pushedBy) =>
      autoApproveRules.find((entry) => entry.repository(repository) && entry.pushedBy(pushedBy))?.rule ?? null,
  };
}

function compileVersionFloor(floor: Policy['versionFloors'][number]): CompiledVersionFloor {
  // Pre-releases are compared too: 2.5.0-rc.1 is above a >=2.4.1 floor, which node-semver would otherwise refuse
  // because the comparator has no pre-release of its own.
  const range = new semver.Range(floor.range, { includePrerelease: true });
  const matchesRepository = compileGlob(repositoryPattern(floor.repository));
  return {
    repository: floor.repository,
    range: floor.range,
    matchesRepository,
    satisfiedBy: (version) => range.test(version),
  };
}

/** A repository glob compared with normalised repositories: its host part (before the first `/`) in lower case. */
export function repositoryPattern(glob: string): string {
  const slash = glob.indexOf('/');
  return slash === -1 ? glob : `${glob.slice(0, slash).toLowerCase()}${glob.slice(slash)}`;
}
