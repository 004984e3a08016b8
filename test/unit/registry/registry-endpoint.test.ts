import { UsageError } from '../../../src/errors';
import {
  insecureRegistriesFrom,
  isLoopbackHost,
  parseInsecureRegistries,
  registryApiHost,
  registryOrigin,
} from '../../../src/registry/registry-endpoint';

describe('registry endpoint and scheme choice', () => {
  test.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['LOCALHOST:5000', true],
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['127.255.3.9:80', true],
    ['[::1]:5000', true],
    ['[::1]', true],
    ['127.0.0.256', false],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['[::2]:5000', false],
    ['registry.corp.example', false],
  ])('isLoopbackHost(%s) = %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  test.each([
    ['docker.io', new Set<string>(), 'https://registry-1.docker.io'],
    ['index.docker.io', new Set<string>(), 'https://registry-1.docker.io'],
    ['registry.corp.example', new Set<string>(), 'https://registry.corp.example'],
    ['registry.corp.example:5000', new Set<string>(), 'https://registry.corp.example:5000'],
    ['localhost:5000', new Set<string>(), 'http://localhost:5000'],
    ['127.0.0.1:5000', new Set<string>(), 'http://127.0.0.1:5000'],
    ['[::1]:5000', new Set<string>(), 'http://[::1]:5000'],
    ['lab.internal:5000', new Set(['lab.internal:5000']), 'http://lab.internal:5000'],
    // Exact host[:port] match, like Docker's insecure-registries: another port stays HTTPS.
    ['lab.internal:5001', new Set(['lab.internal:5000']), 'https://lab.internal:5001'],
    ['lab.internal', new Set(['lab.internal:5000']), 'https://lab.internal'],
  ])('registryOrigin(%s)', (registry, insecure, expected) => {
    expect(registryOrigin(registry, insecure)).toBe(expected);
  });

  test('Docker Hub names map to registry-1.docker.io', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
  });

  test('insecure registries come from repeated flags and the comma-separated environment variable', () => {
    const set = insecureRegistriesFrom(['Lab.Internal:5000'], { IMAGE_REVIEWER_INSECURE_REGISTRIES: ' a.example , b.example:80,,[fd00::1]:5000' });
    expect([...set]).toEqual(['lab.internal:5000', 'a.example', 'b.example:80', '[fd00::1]:5000']);
    expect([...insecureRegistriesFrom([], {})]).toEqual([]);
  });

  test.each(['http://lab.internal', 'lab.internal/v2', 'lab internal', 'lab.internal:port', '-bad.example'])('refuses insecure registry %s', (value) => {
    expect(() => parseInsecureRegistries([value])).toThrow(UsageError);
    expect(() => parseInsecureRegistries([value])).toThrow(`insecure registry must be HOST or HOST:PORT, got "${value}"`);
  });
});
