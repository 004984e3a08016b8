// The policy module's public face: `import { parsePolicy, builtInPolicy } from '../core/policy'`.
export { parsePolicy } from './parse-policy';
export type { PolicyParse, SignatureTrustLoader } from './parse-policy';
export { validatePolicy } from './validate-policy';
export type { PolicyValidation } from './validate-policy';
export { compilePolicy, policyHash } from './compile-policy';
export { DEFAULT_POLICY, BUILT_IN_SOURCE, builtInPolicy } from './default-policy';
export { canonicalJson } from './canonical-json';
