import { parseWwwAuthenticate } from '../../../src/registry/parse-www-authenticate';

type Simple = { scheme: string; params: Record<string, string>; token68: string | null };

function parse(header: string): Simple[] {
  return parseWwwAuthenticate(header).map((c) => ({ scheme: c.scheme, params: Object.fromEntries(c.params), token68: c.token68 }));
}

const bearer = (params: Record<string, string>): Simple => ({ scheme: 'bearer', params, token68: null });
const basic = (params: Record<string, string>): Simple => ({ scheme: 'basic', params, token68: null });

describe('parseWwwAuthenticate', () => {
  test.each<[string, string, Simple[]]>([
    [
      'Docker Hub bearer challenge',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [bearer({ realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' })],
    ],
    ['distribution htpasswd basic challenge', 'Basic realm="test-registry"', [basic({ realm: 'test-registry' })]],
    ['scheme and names are case-insensitive', 'BEARER Realm="r", SERVICE=svc', [bearer({ realm: 'r', service: 'svc' })]],
    ['comma inside a quoted value', 'Bearer realm="r",scope="repository:a/b:pull,push"', [bearer({ realm: 'r', scope: 'repository:a/b:pull,push' })]],
    ['escaped quotes and backslashes', 'Basic realm="say \\"hi\\", \\\\ok"', [basic({ realm: 'say "hi", \\ok' })]],
    ['spaces around = and commas', 'Bearer  realm = "r" ,  service = s', [bearer({ realm: 'r', service: 's' })]],
    ['two challenges in one header', 'Basic realm="b", Bearer realm="t",service="s"', [basic({ realm: 'b' }), bearer({ realm: 't', service: 's' })]],
    ['an unknown scheme is kept for the caller to ignore', 'Newauth realm="apps", type=1, title="Login", Basic realm="simple"', [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login' }, token68: null },
      basic({ realm: 'simple' }),
    ]],
    ['token68 form', 'Negotiate abc+/def==, Basic realm="x"', [{ scheme: 'negotiate', params: {}, token68: 'abc+/def==' }, basic({ realm: 'x' })]],
    ['scheme without parameters', 'Basic', [basic({})]],
    ['empty list elements are ignored', ', ,Basic realm="x",, ,', [basic({ realm: 'x' })]],
    ['empty quoted value', 'Bearer realm=""', [bearer({ realm: '' })]],
  ])('%s', (_name, header, expected) => {
    expect(parse(header)).toEqual(expected);
  });

  test.each<[string, string, Simple[]]>([
    ['empty header', '', []],
    ['only whitespace and commas', ' , , ', []],
    ['unterminated quote drops the challenge it is in', 'Basic realm="x", Bearer realm="unterminated', [basic({ realm: 'x' })]],
    ['duplicate parameter makes the challenge ambiguous', 'Bearer realm="https://a", realm="https://evil"', []],
    ['duplicate parameter drops only its own challenge', 'Basic realm="x", Bearer realm="a",realm="b"', [basic({ realm: 'x' })]],
    ['parameters before any scheme are ignored', 'realm="x", Basic realm="y"', [basic({ realm: 'y' })]],
    ['garbage drops the parameters that follow it', '@@@ realm="x", service="y", Basic realm="z"', [basic({ realm: 'z' })]],
    ['a value that is neither token nor quoted string', 'Bearer realm=a b', []],
    ['quote in the middle of a token', 'Bearer realm=ab"c"', []],
    ['control characters', 'Bearer realm="a"\u0000, Basic realm="b"', [basic({ realm: 'b' })]],
    ['control character inside a quoted value', 'Basic realm="a\u0001b", Bearer realm="t"', [bearer({ realm: 't' })]],
    ['token68 followed by a parameter', 'Negotiate abc==, realm="x"', []],
    ['HTML instead of a challenge', '<html><body>Login</body></html>', []],
  ])('hostile input: %s', (_name, header, expected) => {
    expect(parse(header)).toEqual(expected);
  });

  test('long hostile input is parsed in linear time', () => {
    const header = `Bearer realm="${'\\"'.repeat(50_000)}${' '.repeat(50_000)}x`;
    const started = Date.now();
    expect(parse(header)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
