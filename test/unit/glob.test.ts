import { compileGlob, compileGlobs } from '../../src/core/glob';

// [pattern, value, matches]
const cases: readonly (readonly [string, string, boolean])[] = [
  ['kube-system', 'kube-system', true],
  ['kube-system', 'kube-system2', false],
  ['kube-system', 'Kube-system', false],
  ['dev-*', 'dev-', true],
  ['dev-*', 'dev-team-a', true],
  ['dev-*', 'dev', false],
  ['dev-*', 'prod-dev-a', false],
  ['*', '', true],
  ['*', 'anything/at/all', true],
  ['', '', true],
  ['', 'a', false],
  ['?', 'a', true],
  ['?', '', false],
  ['?', 'ab', false],
  ['team-?', 'team-a', true],
  ['team-?', 'team-ab', false],
  ['??-*', 'eu-west', true],
  ['registry.corp.example/payments/*', 'registry.corp.example/payments/api', true],
  ['registry.corp.example/payments/*', 'registry.corp.example/payments/sub/api', true],
  ['registry.corp.example/payments/*', 'registry.corp.example/payroll/api', false],
  ['registry.corp.example/payments/*', 'registryXcorp.example/payments/api', false],
  ['*.corp.example', 'registry.corp.example', true],
  ['*.corp.example', 'a.b.corp.example', true],
  ['*.corp.example', 'corp.example', false],
  ['*.corp.example', 'evil.corp.example.attacker.net', false],
  ['*.corp.example', 'registry.corp.example:5000', false],
  ['*.corp.example:*', 'registry.corp.example:5000', true],
  ['localhost:5000', 'localhost:5000', true],
  ['a*b*c', 'abc', true],
  ['a*b*c', 'aXXbYYc', true],
  ['a*b*c', 'aXXbYY', false],
  ['a**b', 'ab', true],
  ['a**b', 'aZZb', true],
  ['*a', 'aaa', true],
  ['*ab', 'aab', true],
  ['*ab*', 'xxabyy', true],
  // Regular-expression metacharacters are literal.
  ['a.c', 'abc', false],
  ['a.c', 'a.c', true],
  ['a+', 'aa', false],
  ['a+', 'a+', true],
  ['(x|y)', 'x', false],
  ['(x|y)', '(x|y)', true],
  ['[ab]', 'a', false],
  ['[ab]', '[ab]', true],
  ['^a$', '^a$', true],
  ['\\d', '\\d', true],
  ['\\d', '1', false],
  ['ns-?', 'ns-é', true],
  ['ns-?', 'ns-😀', true],
  ['ns-??', 'ns-😀', false],
  // A non-ASCII pattern against an ASCII value, and the reverse (each side compared code point by code point).
  ['é-*', 'e-a', false],
  ['é-*', 'é-a', true],
  ['*-x', 'ü-x', true],
  ['?-x', 'ü-x', true],
  ['?-x', 'u-x', true],
  ['?😀*', 'a😀b', true],
  ['?😀*', 'ab', false],
];

describe('compileGlob', () => {
  test.each(cases)('%j against %j → %s', (pattern, value, expected) => {
    expect(compileGlob(pattern)(value)).toBe(expected);
  });

  test('a pathological pattern against a long value answers (no exponential backtracking)', () => {
    const pattern = `${'*a'.repeat(30)}*b`;
    expect(compileGlob(pattern)('a'.repeat(5_000))).toBe(false);
    expect(compileGlob(pattern)(`${'a'.repeat(5_000)}b`)).toBe(true);
  });
});

describe('compileGlobs', () => {
  test.each([
    [['kube-system', 'dev-*'], 'dev-a', true],
    [['kube-system', 'dev-*'], 'kube-system', true],
    [['kube-system', 'dev-*'], 'prod', false],
    [[], 'anything', false],
    [['*'], '', true],
  ] as const)('%j against %j → %s', (patterns, value, expected) => {
    expect(compileGlobs(patterns)(value)).toBe(expected);
  });
});
