// Annotation keys as Kubernetes validates them (apimachinery validation.IsQualifiedName): `[prefix/]name`, the
// prefix a DNS-1123 subdomain (at most 253 characters, lowercase labels), the name at most 63 characters of
// [A-Za-z0-9._-] beginning and ending with an alphanumeric.

export interface AnnotationKey {
  readonly prefix: string;
  readonly name: string;
}

const MAX_PREFIX_LENGTH = 253;
const MAX_NAME_LENGTH = 63;
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** The key's prefix and name, or null when Kubernetes would refuse it; a key without a prefix has prefix "". */
export function parseAnnotationKey(key: string): AnnotationKey | null {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? '' : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) return null;
  if (slash !== -1 && !isDnsSubdomain(prefix)) return null;
  return { prefix, name };
}

function isDnsSubdomain(text: string): boolean {
  // Labels are tested one by one: no pattern with nested repetition ever meets untrusted input.
  return text.length <= MAX_PREFIX_LENGTH && text.split('.').every((label) => LABEL.test(label));
}
