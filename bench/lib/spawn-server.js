'use strict';
// Starts a server process for the bench on a port chosen here, so that the time from spawn to the first
// successful GET /readyz can be measured from the very start. Its stdout (a JSON line per decision) goes
// to a file, as a container runtime would take it, not through this process (which runs the load).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { rssMb } = require('./process-stats');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function readyOnce(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * @param {{args: (port: number) => string[], logFile: string, timeoutMs?: number}} o
 * @returns {Promise<{pid: number, url: string, readyMs: number, stop: () => Promise<void>, peakRssMb: () => number, rssMb: () => number}>}
 */
async function spawnServer(o) {
  const port = await freePort();
  const out = fs.openSync(o.logFile, 'w');
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, o.args(port), { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a loaded machine (other builds sharing the cores) start-up alone has taken over 20 s.
  const deadline = Date.now() + (o.timeoutMs ?? 90_000);
  let readyMs = null;
  while (readyMs === null) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${fs.readFileSync(o.logFile, 'utf8')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in time: ${fs.readFileSync(o.logFile, 'utf8')}`);
    }
    if (await readyOnce(`${url}/readyz`)) readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    else await new Promise((r) => setTimeout(r, 5));
  }
  return {
    pid: child.pid,
    url,
    readyMs,
    peakRssMb: () => rssMb(child.pid, 'VmHWM'),
    rssMb: () => rssMb(child.pid, 'VmRSS'),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

module.exports = { spawnServer, freePort };
