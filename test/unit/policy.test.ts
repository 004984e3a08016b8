import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY, builtInPolicy, canonicalJson, parsePolicy, validatePolicy } from '../../src/core/policy';

const SAMPLE = path.join(__dirname, '..', '..', 'policy', 'sample-policy.yaml');

function problemsOf(text: string): readonly string[] {
  const parsed = parsePolicy(text, 'test.yaml');
  if (parsed.ok) throw new Error('expected the policy to be refused');
  return parsed.problems;
}

describe('parsePolicy: problems are all listed, each with its path', () => {
  it('reports every problem of a broken file at once', () => {
    const text = [
      'registries: [registry.corp.example, "https://registry.corp.example/v2"]',
      'tags: digest',
      'tagCacheSeconds: -5',
      'scan:',
      '  required: "yes"',
      '  maxAgeDays: -1',
      '  maxFindings: {CRITCAL: 0, HIGH: 2.5, LOW: -1}',
      'images: {maxAgeDays: ten}',
      'versionFloors:',
      '  - {repository: "registry.corp.example/payments/*", range: ">=x"}',
      '  - {repository: "", range: "not a range"}',
      '  - {range: ">=1.0.0", extra: 1}',
      'breakGlass: {enabled: yes, namespaces: prod, requireGrant: 1}',
      'defaultMode: strict',
      'namespaces:',
      '  - {match: kube-system, mode: exempt}',
      '  - {match: "dev-*", mode: dryrun}',
      '  - {mode: enforce}',
      '  - prod',
      'registry: [typo.example]',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'registry: unknown key (did you mean registries?)',
      'registries[1]: must be a registry host[:port] without scheme or path (got "https://registry.corp.example/v2")',
      'tags: must be one of require-digest, resolve (got string "digest")',
      'tagCacheSeconds: must be a whole number ≥ 0 (got number -5)',
      'scan.required: must be true or false (got string "yes")',
      'scan.maxAgeDays: must be a number ≥ 0 (got number -1)',
      'scan.maxFindings.CRITCAL: unknown key (did you mean CRITICAL?)',
      'scan.maxFindings.HIGH: must be a whole number ≥ 0 (got number 2.5)',
      'scan.maxFindings.LOW: must be a whole number ≥ 0 (got number -1)',
      'images.maxAgeDays: must be a number ≥ 0 (got string "ten")',
      'versionFloors[0].range: invalid semver range ">=x": it admits every version',
      'versionFloors[1].repository: must be a non-empty string (got string "")',
      'versionFloors[1].range: invalid semver range "not a range"',
      'versionFloors[2].extra: unknown key',
      'versionFloors[2].repository: is required',
      'breakGlass.enabled: must be true or false (got string "yes")',
      'breakGlass.namespaces: must be an array (got string "prod")',
      'breakGlass.requireGrant: must be true or false (got number 1)',
      'defaultMode: must be one of enforce, dry-run, exempt (got string "strict")',
      'namespaces[1].mode: must be one of enforce, dry-run, exempt (got string "dryrun")',
      'namespaces[2].match: is required',
      'namespaces[3]: must be an object (got string "prod")',
    ]);
  });

  it.each([
    ['an empty file', '', ['(policy): the document is empty']],
    ['a comment only', '# nothing\n', ['(policy): the document is empty']],
    ['a list', '- registry.corp.example\n', ['(policy): must be an object (got an array)']],
    ['a scalar', 'enforce\n', ['(policy): must be an object (got string "enforce")']],
    ['duplicate keys', 'tags: resolve\ntags: require-digest\n', ['YAML: Map keys must be unique at line 2, column 1']],
    ['nested duplicate keys', 'scan:\n  required: true\n  required: false\n', ['YAML: Map keys must be unique at line 3, column 3']],
    ['two documents', 'tags: resolve\n---\ntags: resolve\n', expect.arrayContaining([expect.stringMatching(/^YAML: .*multiple documents/)])],
    ['bad YAML', 'registries: [a, b\n', expect.arrayContaining([expect.stringMatching(/^YAML: /)])],
    ['docker hub spelt index.docker.io', 'registries: [index.docker.io]', [
      'registries[0]: write docker.io: references to index.docker.io are normalised to docker.io (SPEC §3)',
    ]],
    ['a registry port out of range', 'registries: ["host:99999", "host:0", "host:05000", "host:http", "[::1]:70000"]', [
      'registries[0]: port must be 1–65535 (got "host:99999")',
      'registries[1]: port must be 1–65535 (got "host:0")',
      'registries[2]: port must be 1–65535 (got "host:05000")',
      'registries[3]: port must be 1–65535 (got "host:http")',
      'registries[4]: port must be 1–65535 (got "[::1]:70000")',
    ]],
    ['an infinite number', 'scan: {maxAgeDays: .inf}', ['scan.maxAgeDays: must be a number ≥ 0 (got number Infinity)']],
    ['null for a section', 'scan: null', ['scan: must be an object (got null)']],
    ['an odd key', '"a b": 1', ['["a b"]: unknown key']],
    ['a __proto__ key', '__proto__: {tags: resolve}', ['__proto__: unknown key']],
    ['a binary value where a mapping belongs', 'scan: !!binary aGVsbG8=', ['scan: must be an object (got an object (Buffer))']],
  ])('refuses %s', (_name, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });

  it('accepts registry ports 1–65535, globs and IPv6 literals', () => {
    const registries = ['localhost:5000', 'host:65535', 'host:1', 'mirror.example:*', '[::1]:5000', '*.corp.example'];
    const parsed = parsePolicy(JSON.stringify({ registries }), 'p.json');
    expect(parsed.ok && parsed.policy.policy.registries).toEqual(registries);
  });

  it('accepts JSON, which is YAML', () => {
    const parsed = parsePolicy('{"registries": ["registry.corp.example"], "tags": "resolve"}', 'policy.json');
    expect(parsed.ok && parsed.policy.policy).toEqual({
      ...DEFAULT_POLICY,
      registries: ['registry.corp.example'],
      tags: 'resolve',
    });
  });

  it('fills defaults for absent keys, at every level', () => {
    const parsed = parsePolicy('scan: {maxAgeDays: 30}\nbreakGlass: {enabled: true}\n', 'p.yaml');
    expect(parsed.ok && parsed.policy.policy).toEqual({
      ...DEFAULT_POLICY,
      scan: { ...DEFAULT_POLICY.scan, maxAgeDays: 30 },
      breakGlass: { ...DEFAULT_POLICY.breakGlass, enabled: true },
    });
  });

  it('takes an explicit empty maxFindings as "no ceilings", not as the default', () => {
    const parsed = parsePolicy('scan: {maxFindings: {}}', 'p.yaml');
    expect(parsed.ok && parsed.policy.policy.scan.maxFindings).toEqual({});
  });

  it('records where the policy came from', () => {
    const parsed = parsePolicy('{}', '/etc/image-reviewer/policy.yaml');
    expect(parsed.ok && parsed.policy.source).toBe('/etc/image-reviewer/policy.yaml');
  });
});

describe('validatePolicy', () => {
  it('validates an already-parsed value the same way', () => {
    expect(validatePolicy({ tags: 'resolve', defaultMode: 'dry-run' })).toEqual({
      ok: true,
      policy: { ...DEFAULT_POLICY, tags: 'resolve', defaultMode: 'dry-run' },
    });
    expect(validatePolicy({ scan: { maxFindings: { critical: 0 } } })).toEqual({
      ok: false,
      problems: ['scan.maxFindings.critical: unknown key (did you mean CRITICAL?)'],
    });
  });

  it('accepts null-prototype mappings and refuses objects that are not plain mappings', () => {
    const bare: unknown = Object.assign(Object.create(null) as object, { tags: 'resolve' });
    expect(validatePolicy(bare)).toEqual({ ok: true, policy: { ...DEFAULT_POLICY, tags: 'resolve' } });
    const inherited: unknown = Object.create({ tags: 'bogus' });
    expect(validatePolicy(inherited)).toEqual({ ok: false, problems: ['(policy): must be an object (got an object (Object))'] });
  });
});

describe('the built-in default policy', () => {
  it('is the documented, fail-closed default', () => {
    const compiled = builtInPolicy();
    expect(compiled.source).toBe('built-in default');
    expect(compiled.policy).toEqual({
      registries: [],
      tags: 'require-digest',
      tagCacheSeconds: 60,
      scan: { required: true, maxAgeDays: 90, maxFindings: { CRITICAL: 0 }, ignoreUnfixed: false },
      images: { maxAgeDays: 0 },
      versionFloors: [],
      breakGlass: { enabled: false, namespaces: ['*'], requireTicket: true, requireGrant: false },
      defaultMode: 'enforce',
      namespaces: [{ match: 'kube-system', mode: 'exempt' }],
      signatures: [],
      autoApprove: [],
    });
    expect(compiled.matchers.registryAllowed('docker.io')).toBe(false);
    expect(compiled.matchers.namespaceMode('kube-system')).toBe('exempt');
    expect(compiled.matchers.namespaceMode('default')).toBe('enforce');
  });

  it('is what an empty mapping means, with the same hash', () => {
    const parsed = parsePolicy('{}', 'empty.yaml');
    expect(parsed.ok && parsed.policy.hash).toBe(builtInPolicy().hash);
  });

  it('is frozen, so no caller can change the default for everyone', () => {
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.scan.maxFindings)).toBe(true);
  });
});

describe('policy hash', () => {
  const a = 'registries: [registry.corp.example]\nscan: {maxAgeDays: 30, required: true}\ndefaultMode: enforce\n';
  const b = '{"defaultMode": "enforce", "scan": {"required": true, "maxAgeDays": 30}, "registries": ["registry.corp.example"]}';
  const hashOf = (text: string): string => {
    const parsed = parsePolicy(text, 'p');
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    return parsed.policy.hash;
  };

  it('is the sha256 hex of the canonical JSON, stable across key order and format', () => {
    expect(hashOf(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(a)).toBe(hashOf(b));
    expect(hashOf(a)).toBe(hashOf('registries: [registry.corp.example]\nscan: {maxAgeDays: 30}\n'));
  });

  it('changes when the meaning changes, including list order (first matching namespace wins)', () => {
    expect(hashOf(a)).not.toBe(hashOf(a.replace('30', '31')));
    const ns1 = 'namespaces: [{match: "a*", mode: exempt}, {match: "*", mode: dry-run}]';
    const ns2 = 'namespaces: [{match: "*", mode: dry-run}, {match: "a*", mode: exempt}]';
    expect(hashOf(ns1)).not.toBe(hashOf(ns2));
  });

  it('canonical JSON sorts keys at every level and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('compiled matchers', () => {
  const compile = (text: string) => {
    const parsed = parsePolicy(text, 'p');
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    return parsed.policy.matchers;
  };

  it.each([
    ['registry.corp.example', true],
    ['localhost:5000', true],
    ['localhost:5001', false],
    ['eu.mirror.corp.example', true],
    ['mirror.corp.example', false],
    ['docker.io', false],
    ['registry.corp.example.evil.io', false],
  ])('registry %s allowed: %s', (host, allowed) => {
    const matchers = compile('registries: [Registry.Corp.Example, "localhost:5000", "*.mirror.corp.example"]');
    expect(matchers.registryAllowed(host)).toBe(allowed);
  });

  it.each([
    ['kube-system', 'exempt'],
    ['dev-alice', 'dry-run'],
    ['dev', 'enforce'],
    ['', 'enforce'],
    ['prod', 'enforce'],
  ])('namespace %j runs in mode %s (first match, else defaultMode)', (namespace, mode) => {
    const matchers = compile('namespaces: [{match: kube-system, mode: exempt}, {match: "dev-*", mode: dry-run}, {match: "*", mode: enforce}]\ndefaultMode: exempt');
    expect(matchers.namespaceMode(namespace)).toBe(mode);
  });

  it('uses defaultMode when no entry matches', () => {
    expect(compile('defaultMode: dry-run\nnamespaces: []').namespaceMode('prod')).toBe('dry-run');
  });

  it('compiles version floors once, pre-releases included', () => {
    const [floor] = compile('versionFloors: [{repository: "registry.corp.example/payments/*", range: ">=2.4.1"}]').versionFloors;
    expect(floor.matchesRepository('registry.corp.example/payments/api')).toBe(true);
    expect(floor.matchesRepository('registry.corp.example/billing/api')).toBe(false);
    expect(['2.4.0', '2.4.1', '2.5.0-rc.1', '3.0.0'].map((v) => floor.satisfiedBy(v))).toEqual([false, true, true, true]);
  });
});

describe('autoApprove (SPEC §5)', () => {
  const AUTO = 'autoApprove: [{repository: "Registry.Corp.Example/sandbox/*", pushedBy: "robot$ci*"}, {repository: "registry.corp.example/tools/kubectl", pushedBy: admin}]';

  it.each([
    ['registry.corp.example/sandbox/app', 'robot$ci', 'registry.corp.example/sandbox/*'],
    ['registry.corp.example/sandbox/team/app', 'robot$ci-nightly', 'registry.corp.example/sandbox/*'],
    ['registry.corp.example/tools/kubectl', 'admin', 'registry.corp.example/tools/kubectl'],
    ['registry.corp.example/sandbox/app', 'alice', null],
    ['registry.corp.example/payments/api', 'robot$ci', null],
    ['registry.corp.example/tools/kubectl', 'robot$ci', null],
  ])('a push of %s by %s is approved by entry %p', (repository, pushedBy, entry) => {
    const parsed = parsePolicy(AUTO, 'p');
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    // The host part of the glob is compared without case, as registries are.
    const rule = parsed.policy.matchers.autoApprover(repository, pushedBy);
    expect(rule === null ? null : rule.repository.toLowerCase()).toBe(entry);
  });

  it('refuses an entry without both keys, or with a key it does not know', () => {
    expect(problemsOf('autoApprove: [{repository: "r/*"}, {repository: "r/*", pushedBy: ci, pushed_by: ci}, "r/*"]')).toEqual([
      'autoApprove[0].pushedBy: is required',
      'autoApprove[1].pushed_by: unknown key (did you mean pushedBy?)',
      'autoApprove[2]: must be an object (got string "r/*")',
    ]);
  });
});

describe('policy/sample-policy.yaml', () => {
  it('is valid and says what the quick start promises', () => {
    const parsed = parsePolicy(fs.readFileSync(SAMPLE, 'utf8'), SAMPLE);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const { policy, matchers } = parsed.policy;
    expect(policy.registries).toEqual(['localhost:5000', 'registry.corp.example']);
    expect(policy.tags).toBe('require-digest');
    expect(policy.scan).toEqual({ required: true, maxAgeDays: 90, maxFindings: { CRITICAL: 0, HIGH: 5 }, ignoreUnfixed: false });
    expect(policy.breakGlass).toEqual({ enabled: true, namespaces: ['*'], requireTicket: true, requireGrant: false });
    expect(policy.versionFloors).toEqual([{ repository: 'registry.corp.example/payments/*', range: '>=2.4.1' }]);
    expect(['kube-system', 'image-reviewer', 'dev-bob', 'prod'].map(matchers.namespaceMode)).toEqual([
      'exempt',
      'exempt',
      'dry-run',
      'enforce',
    ]);
  });
});
