import fs from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { createCliContext } from '../../../src/cli/context';
import { readInputFile } from '../../../src/cli/read-input-file';
import { InvalidInputError } from '../../../src/errors';
import { makeTempDir } from '../../helpers/temp-dir';

// One reader for FILE arguments, `-` meaning stdin (SPEC §7), with the same size limit either way.

const LIMIT = { maxBytes: 8, what: 'a test input' };
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
const context = (chunks: readonly string[]) =>
  createCliContext({ stdout: sink, stderr: sink, env: {}, stdin: Readable.from(chunks.map((c) => Buffer.from(c))) }, () => undefined);

it('reads stdin for -, chunk by chunk', async () => {
  expect((await readInputFile(context(['abc', 'def']), '-', LIMIT)).toString()).toBe('abcdef');
});

it('stops reading stdin once it is over the limit', async () => {
  await expect(readInputFile(context(['abcde', 'fghij', 'never read']), '-', LIMIT)).rejects.toEqual(
    new InvalidInputError('stdin is over the 8-byte limit for a test input'),
  );
});

it('reads a file, and names it when it is over the limit or cannot be read', async () => {
  const dir = makeTempDir('read-input-file-');
  try {
    const small = dir.file('small.txt');
    const large = dir.file('large.txt');
    fs.writeFileSync(small, 'abc');
    fs.writeFileSync(large, '123456789');
    expect((await readInputFile(context([]), small, LIMIT)).toString()).toBe('abc');
    await expect(readInputFile(context([]), large, LIMIT)).rejects.toEqual(
      new InvalidInputError(`${large} is 9 bytes, over the 8-byte limit for a test input`),
    );
    await expect(readInputFile(context([]), dir.file('missing'), LIMIT)).rejects.toThrow(/^cannot read .*missing: ENOENT/);
  } finally {
    dir.cleanup();
  }
});
