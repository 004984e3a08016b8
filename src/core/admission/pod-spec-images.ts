// The images a pod spec runs (SPEC §2 `/validate`), from k8s.io/api core/v1 PodSpec: `containers`,
// `initContainers` (restartable sidecars are init containers with `restartPolicy: Always`, so they are here too),
// `ephemeralContainers` (`kubectl debug`) and, since Kubernetes 1.31, image volumes
// (`volumes[*].image.reference`, an OCI image mounted as a volume: what it holds runs as surely as a container).

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/**
 * Every image of the spec, in the order the API server's ImagePolicyWebhook lists them (regular, then init, then
 * ephemeral containers), then image volumes. `path` names the spec in problems (`spec.template.spec`).
 */
export function podSpecImages(spec: unknown, path: string): Read<readonly string[]> {
  if (spec === undefined || spec === null) return { ok: true, value: [] };
  if (!isObject(spec)) return bad(`${path} must be an object`);
  const images: string[] = [];
  for (const list of CONTAINER_LISTS) {
    const read = entries(spec[list], `${path}.${list}`, (entry, at) => {
      // `image` is optional in the type (a Deployment template may leave it to a mutating webhook); an absent
      // image is judged as "", which the decision denies as an invalid reference rather than skipping.
      const image = entry.image ?? '';
      return typeof image === 'string' ? { ok: true, value: image } : bad(`${at}.image must be a string`);
    });
    if (!read.ok) return read;
    // Not `push(...)`: a pod of a hundred thousand containers would pass a spread call's argument limit (a RangeError).
    for (const image of read.value) images.push(image);
  }
  const volumes = entries(spec.volumes, `${path}.volumes`, (entry, at): Read<string | null> => {
    const source = entry.image;
    if (source === undefined || source === null) return { ok: true, value: null };
    if (!isObject(source)) return bad(`${at}.image must be an object`);
    const reference = source.reference ?? '';
    return typeof reference === 'string' ? { ok: true, value: reference } : bad(`${at}.image.reference must be a string`);
  });
  if (!volumes.ok) return volumes;
  for (const reference of volumes.value) if (reference !== null) images.push(reference);
  return { ok: true, value: images };
}

function entries<T>(
  raw: unknown,
  path: string,
  read: (entry: Record<string, unknown>, at: string) => Read<T>,
): Read<readonly T[]> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return bad(`${path} must be an array`);
  const values: T[] = [];
  for (let i = 0; i < raw.length; i++) {
    const entry: unknown = raw[i];
    if (!isObject(entry)) return bad(`${path}[${i}] must be an object`);
    const value = read(entry, `${path}[${i}]`);
    if (!value.ok) return value;
    values.push(value.value);
  }
  return { ok: true, value: values };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function bad(problem: string): { readonly ok: false; readonly problem: string } {
  return { ok: false, problem };
}
