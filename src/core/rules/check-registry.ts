import type { Check } from '../types';
import { described, fail, pass } from './check-result';
import type { ImageContext } from './image-context';

/** `registry-not-allowed`: the normalised registry host must match a `registries` glob (SPEC §4). */
export function checkRegistry(context: ImageContext): Check {
  const { ref, policy } = context;
  return policy.matchers.registryAllowed(ref.registry)
    ? pass('registry', described(context, () => `${ref.registry} is an allowed registry`))
    : fail('registry', 'registry-not-allowed', `${ref.registry} is not an allowed registry`);
}
