'use strict';
// Times the dashboard's pages (issue 15, SPEC §11: < 200 ms on the 10,000,000-decision store): the real dashboard app
// (dist/dashboard) over a read-only store, served on a loopback port in this process, each page fetched whole over
// HTTP (query, HTML and transfer), first time and median of `repeat`.
const http = require('node:http');
const path = require('node:path');

const dist = path.resolve(__dirname, '../../dist');
const { createDashboardApp } = require(path.join(dist, 'dashboard/create-dashboard-app.js'));
const { openSqliteStore } = require(path.join(dist, 'store/sqlite/open-sqlite-store.js'));
const { createLogger } = require(path.join(dist, 'logger.js'));
const { loadPolicy } = require(path.join(dist, 'policy-source.js'));

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');

const HOUR = 3600 * 1000;

function dashboardPages(newest, middleId) {
  const hourAgo = new Date(newest - HOUR).toISOString();
  return [
    ['overview, last 24 h', '/?window=24h'],
    ['overview, last 7 d', '/?window=7d'],
    ['overview, last 30 d', '/?window=30d'],
    ['decisions, newest 50', '/decisions'],
    ['decisions, one namespace, last hour', `/decisions?namespace=team-07&since=${encodeURIComponent(hourAgo)}`],
    ['decisions, denied in a namespace', '/decisions?namespace=team-07&decision=denied'],
    ['decisions, --reason vulnerabilities', '/decisions?reason=vulnerabilities'],
    ['decisions, image glob', `/decisions?image=${encodeURIComponent('registry.corp.example/team-07/app-1*')}`],
    ['decisions, an older page', `/decisions?before=${newest - 24 * HOUR}.${middleId}`],
    ['decision detail', `/decisions/${middleId}`],
    ['break-glass', '/break-glass'],
    ['approvals', '/approvals'],
    ['decisions CSV download (50 rows)', '/decisions.csv?limit=50'],
  ];
}

function get(port, pathname) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path: pathname }, (res) => {
        let bytes = 0;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode, bytes, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      })
      .on('error', reject);
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measureDashboard(file, newest, middleId, repeat = 5) {
  const store = openSqliteStore(file, 'read-only');
  const logger = createLogger({ level: 'error', stream: process.stderr });
  const app = createDashboardApp({
    store,
    verification: () => ({ state: 'verified', upTo: middleId, at: newest }),
    policy: (() => {
      const policy = loadPolicy(POLICY);
      return () => policy;
    })(),
    clock: () => newest,
    token: null,
    logger,
  });
  const server = http.createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const results = [];
  try {
    for (const [name, pathname] of dashboardPages(newest, middleId)) {
      const times = [];
      let last;
      for (let i = 0; i < repeat + 1; i++) {
        last = await get(port, pathname);
        if (last.status !== 200) throw new Error(`GET ${pathname}: ${last.status}`);
        times.push(last.ms);
      }
      results.push({ name, path: pathname, firstMs: times[0], medianMs: median(times.slice(1)), bytes: last.bytes });
    }
  } finally {
    server.close();
    await store.close();
  }
  return results;
}

module.exports = { measureDashboard };
