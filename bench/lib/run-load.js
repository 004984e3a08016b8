'use strict';
// One autocannon run (in this process; the servers are separate processes) with latencies kept at
// microsecond resolution: autocannon's own histogram rounds to whole milliseconds, too coarse for a
// 1–10 ms budget, so every response time is also collected from its 'response' event.
const autocannon = require('autocannon');

/**
 * @param {{url: string, body: string, connections: number, seconds: number, expectAllowed?: boolean}} o
 * @returns {Promise<{rps: number, p50: number, p99: number, requests: number, non2xx: number, errors: number, timeouts: number}>}
 */
function runLoad(o) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const instance = autocannon(
      {
        url: o.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: o.body,
        connections: o.connections,
        pipelining: 1,
        duration: o.seconds,
        timeout: 10,
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        const pick = (q) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
        const ok = result['2xx'];
        resolve({
          rps: ok / result.duration,
          p50: pick(0.5),
          p99: pick(0.99),
          requests: ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

module.exports = { runLoad };
