import http from 'node:http';
import express from 'express';
import { parseJsonBody } from '../../../src/http/parse-json-body';

// The lean /imagereview reader must make of every body what express.json() made of it: same value, or an
// error with the same message (which the 400 answer and its log line quote).
describe('parseJsonBody agrees with express.json({ strict: true })', () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.post('/', express.json({ strict: true, type: 'application/json' }), (req, res) => {
      const value: unknown = req.body;
      res.json({ ok: true, value });
    });
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.json({ ok: false, message: err.message });
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    url = `http://127.0.0.1:${address.port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const bodies: readonly [string, Buffer][] = [
    ['empty', Buffer.from('')],
    ['whitespace only', Buffer.from(' \n\t ')],
    ['an object', Buffer.from('{"apiVersion":"x","spec":{"containers":[{"image":"a"}]}}')],
    ['an array', Buffer.from(' [1, 2]')],
    ['null', Buffer.from('null')],
    ['a string', Buffer.from(' "text"')],
    ['a number', Buffer.from('123')],
    ['the word undefined', Buffer.from('undefined')],
    ['a placeholder-like #', Buffer.from('  #abc')],
    ['truncated object', Buffer.from('{"a": ')],
    ['bad token inside', Buffer.from('{"a": tru}')],
    ['a byte order mark', Buffer.from('\ufeff{"a":1}')],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ['a split multi-byte character', Buffer.from([0x7b, 0x22, 0xe2, 0x82, 0x22, 0x3a, 0x31, 0x7d])],
    ['trailing garbage', Buffer.from('{"a":1} x')],
    ['__proto__ key', Buffer.from('{"__proto__":{"polluted":true}}')],
  ];

  it.each(bodies)('%s', async (_name, body) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const expected: unknown = await res.json();
    expect(JSON.parse(JSON.stringify(parseJsonBody(body)))).toEqual(expected);
  });
});
