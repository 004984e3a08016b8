import fs from 'node:fs';
import { carriesSecret, loadEventSecrets } from '../../../src/http/event-secrets';
import { makeTempDir } from '../../helpers/temp-dir';

// The shared secrets of `serve --events-listen` (SPEC §2 `/events/*`): where they come from and how a request shows it.

const SECRET = 'abcdefghijklmnop-0123';
const dir = makeTempDir('image-reviewer-secrets-');
afterAll(() => dir.cleanup());

function file(text: string): string {
  const name = dir.file(`secrets-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(name, text);
  return name;
}

describe('loadEventSecrets', () => {
  it('reads one line per source, comments and blank lines allowed, the file before the environment', () => {
    expect(loadEventSecrets(file(`# events\n\nharbor   ${SECRET}\n`), { IMAGE_REVIEWER_REGISTRY_SECRET: `${SECRET}-env`, IMAGE_REVIEWER_HARBOR_SECRET: 'not-this-one-000000' })).toEqual({
      harbor: SECRET,
      registry: `${SECRET}-env`,
    });
    expect(loadEventSecrets(undefined, { IMAGE_REVIEWER_HARBOR_SECRET: SECRET })).toEqual({ harbor: SECRET, registry: null });
  });

  it('refuses, without quoting the line, a line that is not "SOURCE SECRET", a source given twice, a short secret, no secret at all', () => {
    expect(() => loadEventSecrets(file(`harbr ${SECRET}\n`), {})).toThrow(/line 1: expected "harbor SECRET" or "registry SECRET"$/);
    expect(() => loadEventSecrets(file(`registry ${SECRET}\nregistry ${SECRET}\n`), {})).toThrow('registry is given twice');
    expect(() => loadEventSecrets(file('harbor short\n'), {})).toThrow('the harbor events secret must be at least 16 characters');
    expect(() => loadEventSecrets(undefined, {})).toThrow(/--events-listen needs a secret/);
    expect(() => loadEventSecrets(dir.file('missing'), {})).toThrow(/cannot read --events-secret-file/);
  });
});

describe('carriesSecret', () => {
  it.each([
    [SECRET, true],
    [`Bearer ${SECRET}`, true],
    [`bearer   ${SECRET}`, true],
    [`Basic ${SECRET}`, false],
    [`${SECRET}x`, false],
    ['', false],
    [undefined, false],
  ])('Authorization %p → %p', (header, expected) => {
    expect(carriesSecret(SECRET, header)).toBe(expected);
  });

  it('accepts nothing for a source without a secret', () => {
    expect(carriesSecret(null, 'anything')).toBe(false);
  });
});
