import { postImageReview } from '../helpers/post-image-review';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// serve writes the log lines of one turn of the event loop together (logger.ts `batch`). What users rely on: every
// answered decision still has its own `decision` line, and stopping the server (SIGTERM) loses none of them.

let dir: TempDir;
let server: ServeProcess | undefined;

beforeEach(() => {
  dir = makeTempDir('serve-log-lines-');
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  dir.cleanup();
});

it('writes one decision line per answered review, each whole, and all of them before it stops', async () => {
  server = await startServeProcess(['--db', dir.file('store.db'), 'serve', '--listen', '127.0.0.1:0']);
  // Concurrent reviews share commits, so their answers (and log lines) come in the same turns of the event loop.
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) => postImageReview(server!.baseUrl, [`registry.example/app-${i}@sha256:${'ab'.repeat(32)}`], `ns-${i}`)),
  );
  expect(answers.every((answer) => answer.status === 200 && answer.id !== '')).toBe(true);
  expect(await server.stop()).toBe(0);

  const decisions = server.logs.filter((line) => line.msg === 'decision');
  expect(decisions.map((line) => String(line.decisionId)).sort()).toEqual(answers.map((answer) => answer.id).sort());
  const namespaceOf = new Map(answers.map((answer, i) => [answer.id, `ns-${i}`]));
  for (const line of decisions) {
    expect(line).toMatchObject({ level: 'info', endpoint: 'imagereview', allowed: false, mode: 'enforce' });
    expect(line.namespace).toBe(namespaceOf.get(String(line.decisionId)));
  }
  expect(server.logs.at(-1)).toMatchObject({ msg: 'stopped' });
});
