import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { dropOutputWhenClosed } from '../../src/cli/drop-output-when-closed';
import { runCli } from '../../src/cli/main';
import { postImageReview } from '../helpers/post-image-review';
import { queryStore } from '../helpers/store-query';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// `serve | head`: the log is where decisions and signed checkpoints go (SPEC §9), so once its reader has gone
// (EPIPE) serve stops gracefully, as on SIGTERM, instead of serving on unrecorded or dying with a stack trace.

let dir: TempDir;
beforeEach(() => {
  dir = makeTempDir('serve-output-closed-');
});
afterEach(() => dir.cleanup());

it('shuts down gracefully, exit 0, when its stdout reader goes away', async () => {
  let listening: (address: string) => void = () => undefined;
  const address = new Promise<string>((resolve) => (listening = resolve));
  // Like a pipe whose reader (`grep -m1 serving`) has gone by the time the first decision is logged.
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      if (line.includes('"msg":"decision"')) return done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      const serving = /"msg":"serving".*"address":"([^"]+)"/.exec(line);
      if (serving?.[1] !== undefined) listening(serving[1]);
      done();
    },
  });
  // As src/cli.ts does for the process's own stdout.
  dropOutputWhenClosed(stdout);
  const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
  const db = dir.file('store.db');
  const exited = runCli(['--db', db, 'serve', '--listen', '127.0.0.1:0'], { stdout, stderr, env: process.env, signals: new EventEmitter() });
  const answer = await postImageReview(`http://${await address}`, ['nginx:1.25'], 'default');
  // The review was answered and recorded before the failed log write stopped the server.
  expect(answer).toMatchObject({ status: 200, allowed: false });
  expect(await exited).toBe(0);
  expect(queryStore(db, 'SELECT count(*) AS n FROM decisions')).toEqual([{ n: 1 }]);
});
