#!/usr/bin/env node
'use strict';
// The baseline of SPEC §11: a bare Express 5 route that reads the request body itself, `JSON.parse`s it and returns a
// fixed answer. Not express.json(): body-parser's extra work (type-is, raw-body, iconv-lite) would slow the baseline
// and flatter the ratio. Express defaults are otherwise kept (it is the "bare" route).
//   node bench/baseline-server.js --listen 127.0.0.1:PORT [--server-classes]
// With --server-classes, the same routes on a server built as `serve` builds its own: requests and responses are
// created with the app's prototypes (dist/http/express-messages.js), so Express need not change them. Not SPEC §11's
// baseline; the bench reports it beside it, to show what the review itself costs over the same HTTP layer.
const http = require('node:http');
const express = require('express');

const listen = process.argv[process.argv.indexOf('--listen') + 1] ?? '127.0.0.1:0';
const serverClasses = process.argv.includes('--server-classes');
const [host, port] = listen.split(':');
const ANSWER = {
  apiVersion: 'imagepolicy.k8s.io/v1alpha1',
  kind: 'ImageReview',
  status: { allowed: true, reason: '1 image approved', auditAnnotations: { 'decision-id': '1' } },
};

/** Reads the body and JSON.parses it; calls `answer(body)`, or answers 400 when it is not JSON. */
function jsonRoute(answer) {
  return (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.status(400).json({ message: 'not JSON' });
        return;
      }
      answer(body, res);
    });
  };
}

const app = express();
app.post(
  '/imagereview',
  jsonRoute((body, res) => {
    if (typeof body !== 'object' || body === null || body.kind !== 'ImageReview') {
      res.status(400).json({ message: 'not an ImageReview' });
      return;
    }
    res.json(ANSWER);
  }),
);
// The same bare route for `/validate` (SPEC §11: "the same for /validate"): parse the AdmissionReview, echo the uid.
app.post(
  '/validate',
  jsonRoute((body, res) => {
    const request = typeof body === 'object' && body !== null ? body.request : undefined;
    if (body?.kind !== 'AdmissionReview' || typeof request?.uid !== 'string') {
      res.status(400).json({ message: 'not an AdmissionReview' });
      return;
    }
    res.json({ apiVersion: body.apiVersion, kind: 'AdmissionReview', response: { uid: request.uid, allowed: true, auditAnnotations: { 'decision-id': '1' } } });
  }),
);
app.get('/readyz', (_req, res) => res.send('ok'));
const messages = serverClasses ? require('../dist/http/express-messages').expressMessageClasses(app) : {};
const server = http.createServer(messages, app).listen(Number(port), host, () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ msg: 'serving', address: `${a.address}:${a.port}` })}\n`);
});
// Same keep-alive setting as the real server, so neither side closes connections mid-run.
server.keepAliveTimeout = 95_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
