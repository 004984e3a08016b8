import {
  JsonProblems,
  describeJson,
  fieldOr,
  jsonPath,
  optionalField,
  parseJson,
  problemText,
  readListOf,
  readNonEmptyString,
  readObject,
  readString,
  readTimestamp,
  rejectUnknownKeys,
  requiredField,
} from '../../src/core/json-reader';

describe('json-reader', () => {
  test.each([
    ['', 'scan', 'scan'],
    ['scan', 'maxFindings', 'scan.maxFindings'],
    ['versionFloors', 0, 'versionFloors[0]'],
    ['auths', 'https://index.docker.io/v1/', 'auths["https://index.docker.io/v1/"]'],
    ['', 'a b', '["a b"]'],
  ] as const)('jsonPath(%j, %j) is %s', (parent, key, expected) => {
    expect(jsonPath(parent, key)).toBe(expected);
  });

  test.each([
    [null, 'null'],
    [[1], 'an array'],
    [{}, 'an object'],
    [Buffer.from('x'), 'an object (Buffer)'],
    ['x'.repeat(50), `string "${'x'.repeat(40)}…"`],
    [4, 'number 4'],
    [false, 'boolean false'],
  ])('describes %j as %s', (value, expected) => {
    expect(describeJson(value)).toBe(expected);
  });

  test('fields are own properties only: a key on Object.prototype is absent', () => {
    const object = { name: 'x' };
    expect(requiredField(object, 'constructor', '', readString)).toEqual({ ok: false, problems: ['constructor: is required'] });
    expect(optionalField(object, 'toString', 'doc', readString)).toEqual({ ok: true, value: null });
  });

  test('optional and required fields treat null as absent; fieldOr reads a written null and refuses it', () => {
    const object = { a: null };
    expect(optionalField(object, 'a', 'x', readString)).toEqual({ ok: true, value: null });
    expect(requiredField(object, 'a', 'x', readString)).toEqual({ ok: false, problems: ['x.a: is required'] });
    expect(fieldOr(object, 'a', 'x', readString, 'd')).toEqual({ ok: false, problems: ['x.a: must be a string (got null)'] });
    expect(fieldOr(object, 'b', 'x', readString, 'd')).toEqual({ ok: true, value: 'd' });
  });

  test('a list reports every bad item with its index', () => {
    expect(readListOf(readNonEmptyString)(['a', 1, '', 'b'], 'names')).toEqual({
      ok: false,
      problems: ['names[1]: must be a non-empty string (got number 1)', 'names[2]: must be a non-empty string (got string "")'],
    });
    expect(readListOf(readNonEmptyString)(['a', 'b'], 'names')).toEqual({ ok: true, value: ['a', 'b'] });
  });

  test('objects must be plain: a YAML !!binary Buffer or an inherited object is refused', () => {
    expect(readObject(Buffer.from('x'), 'scan').ok).toBe(false);
    expect(readObject(Object.create({ a: 1 }), 'scan').ok).toBe(false);
    expect(readObject(Object.create(null), 'scan').ok).toBe(true);
  });

  test('unknown keys are refused, with a suggestion when one is near', () => {
    expect(rejectUnknownKeys({ registry: [], tags: 'x', zzz: 1 }, ['registries', 'tags'], '')).toEqual({
      ok: false,
      problems: ['registry: unknown key (did you mean registries?)', 'zzz: unknown key'],
    });
  });

  test('timestamps are RFC 3339', () => {
    expect(readTimestamp('2021-08-25T12:20:30.000000005Z', 'CreatedAt')).toEqual({ ok: true, value: Date.parse('2021-08-25T12:20:30Z') });
    expect(readTimestamp('yesterday', 'CreatedAt')).toEqual({ ok: false, problems: ['CreatedAt: is not a valid date-time: "yesterday"'] });
  });

  test('problems collected across reads, and summarised in one line', () => {
    const problems = new JsonProblems();
    expect(problems.take(readString(1, 'a'), 'fallback')).toBe('fallback');
    expect(problems.take(readString('ok', 'b'), 'fallback')).toBe('ok');
    problems.add('c', 'is odd');
    const result = problems.result('value');
    expect(result).toEqual({ ok: false, problems: ['a: must be a string (got number 1)', 'c: is odd'] });
    expect(result.ok ? '' : problemText(result)).toBe('a: must be a string (got number 1) (and 1 more)');
  });

  test('parseJson keeps the parser message', () => {
    const parsed = parseJson('{"a":');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problems[0]).toMatch(/^is not valid JSON: /);
    expect(parseJson('null')).toEqual({ ok: true, value: null });
  });
});
