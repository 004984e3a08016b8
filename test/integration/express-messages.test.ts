import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import express from 'express';
import { expressMessageClasses } from '../../src/http/express-messages';
import { type RunningServer, startServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { type TestPki, createTestPki } from '../helpers/certs';

const quiet = createLogger({ level: 'error', stream: { write: () => undefined } });

interface Seen {
  /** Whether the request and response had the app's prototypes when the server handed them over, before Express. */
  bornWithAppPrototypes?: boolean;
}

/** An Express app using what Express puts on its prototypes (req.get, req.app, res.status().json()), and a listener
 * that records the prototypes the server created its request and response with. */
function appUnderTest(): { app: express.Express; listener: http.RequestListener; seen: Seen } {
  const app = express();
  const seen: Seen = {};
  app.post('/echo', (req, res) => {
    res.status(201).json({ type: req.get('content-type'), sameApp: req.app === app, query: req.query, path: req.path });
  });
  const listener: http.RequestListener = (req, res) => {
    seen.bornWithAppPrototypes = Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response;
    app(req, res);
  };
  return { app, listener, seen };
}

async function post(server: RunningServer, ca?: Buffer): Promise<{ status: number; body: unknown }> {
  const url = `${server.protocol}://${ca === undefined ? '127.0.0.1' : 'localhost'}:${server.address.port}/echo?x=1`;
  const transport = server.protocol === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('expressMessageClasses', () => {
  let pki: TestPki;
  let server: RunningServer | undefined;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.cleanup());
  afterEach(async () => {
    await server?.close(1000);
    server = undefined;
  });

  const expected = { status: 201, body: { type: 'application/json', sameApp: true, query: { x: '1' }, path: '/echo' } };

  it('gives requests and responses the app prototypes at birth over HTTP, and Express works as before', async () => {
    const { app, listener, seen } = appUnderTest();
    server = await startServer({ app: listener, messages: expressMessageClasses(app), listen: { host: '127.0.0.1', port: 0 }, logger: quiet });
    expect(await post(server)).toEqual(expected);
    expect(seen.bornWithAppPrototypes).toBe(true);
  });

  it('does the same over HTTPS', async () => {
    const { app, listener, seen } = appUnderTest();
    const tls = { certFile: pki.server.cert, keyFile: pki.server.key };
    server = await startServer({ app: listener, messages: expressMessageClasses(app), listen: { host: '127.0.0.1', port: 0 }, tls, logger: quiet });
    expect(await post(server, fs.readFileSync(pki.caCert))).toEqual(expected);
    expect(seen.bornWithAppPrototypes).toBe(true);
  });

  it('without the classes, Node creates them with its own prototypes (what Express then changes)', async () => {
    const { listener, seen } = appUnderTest();
    server = await startServer({ app: listener, listen: { host: '127.0.0.1', port: 0 }, logger: quiet });
    expect(await post(server)).toEqual(expected);
    expect(seen.bornWithAppPrototypes).toBe(false);
  });

  it('keeps the prototype chain: the app, then Express, then Node; a second call returns the same classes', () => {
    const app = express();
    const expressRequest = app.request;
    const classes = expressMessageClasses(app);
    expect(Object.getPrototypeOf(app.request)).toBe(expressRequest);
    expect(app.request.app).toBe(app);
    expect(app.request).toBeInstanceOf(http.IncomingMessage);
    expect(app.response).toBeInstanceOf(http.ServerResponse);
    expect(typeof app.response.json).toBe('function');
    expect(classes.IncomingMessage.prototype).toBe(app.request);
    const again = expressMessageClasses(app);
    expect(again.IncomingMessage).toBe(classes.IncomingMessage);
    expect(again.ServerResponse).toBe(classes.ServerResponse);
    expect(Object.getPrototypeOf(app.request)).toBe(expressRequest);
  });
});
