#!/usr/bin/env node
'use strict';
// The baseline of SPEC §11: a bare Express 5 route that parses the same ImageReview JSON and returns a
// fixed answer. Express defaults are kept (it is the "bare" route); the body limit matches the server's.
//   node bench/baseline-server.js --listen 127.0.0.1:PORT
const express = require('express');

const listen = process.argv[process.argv.indexOf('--listen') + 1] ?? '127.0.0.1:0';
const [host, port] = listen.split(':');
const ANSWER = {
  apiVersion: 'imagepolicy.k8s.io/v1alpha1',
  kind: 'ImageReview',
  status: { allowed: true, reason: '1 image approved', auditAnnotations: { 'decision-id': '1' } },
};

const app = express();
app.post('/imagereview', express.json({ limit: 1024 * 1024 }), (req, res) => {
  if (typeof req.body !== 'object' || req.body === null || req.body.kind !== 'ImageReview') {
    res.status(400).json({ message: 'not an ImageReview' });
    return;
  }
  res.json(ANSWER);
});
// The same bare route for `/validate` (SPEC §11: "the same for /validate"): parse the AdmissionReview, echo the uid.
app.post('/validate', express.json({ limit: 8 * 1024 * 1024 }), (req, res) => {
  const request = typeof req.body === 'object' && req.body !== null ? req.body.request : undefined;
  if (req.body?.kind !== 'AdmissionReview' || typeof request?.uid !== 'string') {
    res.status(400).json({ message: 'not an AdmissionReview' });
    return;
  }
  res.json({ apiVersion: req.body.apiVersion, kind: 'AdmissionReview', response: { uid: request.uid, allowed: true, auditAnnotations: { 'decision-id': '1' } } });
});
app.get('/readyz', (_req, res) => res.send('ok'));
const server = app.listen(Number(port), host, () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ msg: 'serving', address: `${a.address}:${a.port}` })}\n`);
});
// Same keep-alive setting as the real server, so neither side closes connections mid-run.
server.keepAliveTimeout = 95_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
