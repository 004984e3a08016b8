'use strict';
// Runs the built CLI (dist/cli.js) as a user would.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLI = path.resolve(__dirname, '../../dist/cli.js');

/**
 * Runs `image-reviewer --db DB ...args`; throws with stderr when it exits non-zero (unless allowFail). With
 * `peakRss`, also returns the command's peak resident set in bytes (peakRssBytes; null if it was not reported).
 */
function runCli(db, args, { allowFail = false, peakRss = false } = {}) {
  const rssFile = peakRss ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rss-')), 'peak') : null;
  const preload = rssFile === null ? [] : ['-r', path.join(__dirname, 'report-peak-rss.js')];
  const env = rssFile === null ? process.env : { ...process.env, BENCH_PEAK_RSS_FILE: rssFile };
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...preload, CLI, '--db', db, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0 && !allowFail) {
    throw new Error(`image-reviewer ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  let peakRssBytes = null;
  if (rssFile !== null) {
    if (fs.existsSync(rssFile)) peakRssBytes = Number(fs.readFileSync(rssFile, 'utf8'));
    fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms, peakRssBytes };
}

module.exports = { CLI, runCli };
