import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryError } from '../../../src/errors';
import {
  defaultDockerConfigPath,
  dockerConfigCredentials,
  dockerConfigFileCredentials,
  loadDockerConfig,
  parseDockerConfig,
} from '../../../src/registry/docker-config';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('Docker config.json credentials', () => {
  const config = parseDockerConfig(JSON.stringify({
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
      'registry.corp.example': { auth: b64('corp:secret') },
      'https://Mirror.Example:5000/v2/': { username: 'mirror', password: 'pw' },
      'helper.example': {},
      'token.example': { identitytoken: 'refresh-token' },
    },
    credsStore: 'desktop',
  }));
  const lookup = dockerConfigCredentials(config);

  test.each([
    ['docker.io', { username: 'hubuser', password: 'hub:pass' }],
    ['index.docker.io', { username: 'hubuser', password: 'hub:pass' }],
    ['registry-1.docker.io', { username: 'hubuser', password: 'hub:pass' }],
    ['registry.corp.example', { username: 'corp', password: 'secret' }],
    ['REGISTRY.corp.example', { username: 'corp', password: 'secret' }],
    ['mirror.example:5000', { username: 'mirror', password: 'pw' }],
    ['mirror.example', null],
    ['helper.example', null],
    ['token.example', null],
    ['unknown.example', null],
  ])('%s', (registry, expected) => {
    expect(lookup(registry)).toEqual(expected);
  });

  test.each([
    ['not JSON', '{auths:', 'Docker config is not valid JSON'],
    ['not an object', '[]', 'Docker config: must be an object (got an array)'],
    ['auths not an object', '{"auths": "x"}', 'Docker config: auths: must be an object (got string "x")'],
    ['entry not an object', '{"auths": {"r.example": 1}}', 'Docker config: auths["r.example"]: must be an object (got number 1)'],
    ['auth not base64', '{"auths": {"r.example": {"auth": "%%%"}}}', 'Docker config: auths["r.example"].auth: is not base64'],
    ['auth without a colon', `{"auths": {"r.example": {"auth": "${b64('nocolon')}"}}}`, 'does not decode to user:password'],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseDockerConfig(text)).toThrow(RegistryError);
    expect(() => parseDockerConfig(text)).toThrow(message);
  });

  test('a config without auths is empty', () => {
    expect(parseDockerConfig('{"credsStore": "pass"}').size).toBe(0);
  });

  describe('files', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'image-reviewer-dockercfg-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('a missing file means anonymous access', async () => {
      expect((await loadDockerConfig(path.join(dir, 'absent.json'))).size).toBe(0);
    });

    test('an invalid file names itself in the error', async () => {
      const file = path.join(dir, 'config.json');
      await writeFile(file, 'nope');
      await expect(loadDockerConfig(file)).rejects.toThrow(`${file} is not valid JSON`);
    });

    test('the lazy file lookup reads the file once, on first use; a missing file is anonymous', async () => {
      const file = path.join(dir, 'config.json');
      const lookup = dockerConfigFileCredentials(file);
      await writeFile(file, JSON.stringify({ auths: { 'r.example': { auth: b64('u:p') } } }));
      expect(lookup('r.example')).toEqual({ username: 'u', password: 'p' });
      await writeFile(file, '{}');
      expect(lookup('r.example')).toEqual({ username: 'u', password: 'p' });
      expect(dockerConfigFileCredentials(path.join(dir, 'absent.json'))('r.example')).toBeNull();
      await writeFile(file, 'nope');
      expect(() => dockerConfigFileCredentials(file)('r.example')).toThrow(`${file} is not valid JSON`);
    });

    test('DOCKER_CONFIG chooses the directory, as the Docker CLI does', () => {
      expect(defaultDockerConfigPath({ DOCKER_CONFIG: dir })).toBe(path.join(dir, 'config.json'));
      expect(defaultDockerConfigPath({})).toBe(path.join(os.homedir(), '.docker', 'config.json'));
    });
  });
});
