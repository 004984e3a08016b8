import { parseImageRef } from '../../../src/core/image-ref';
import { createReferenceParser } from '../../../src/service/reference-parser';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('createReferenceParser', () => {
  it("answers what parseImageRef answers, valid or not, and the same object for the same string", () => {
    const parse = createReferenceParser();
    for (const image of [`registry.corp.example/app@${DIGEST}`, 'nginx', 'UPPER/case', '', `a@b@${DIGEST}`]) {
      const first = parse(image);
      expect(first).toEqual(parseImageRef(image));
      expect(parse(image)).toBe(first);
    }
  });

  it('keeps at most maxEntries answers, forgetting the oldest first', () => {
    const parse = createReferenceParser(2);
    const a = parse('registry.corp.example/a');
    const b = parse('registry.corp.example/b');
    parse('registry.corp.example/c'); // forgets a
    expect(parse('registry.corp.example/b')).toBe(b);
    const again = parse('registry.corp.example/a');
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });
});
