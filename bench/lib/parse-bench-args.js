'use strict';
// `node bench/run.js [--quick] [--decisions N] [--approvals N] [--seconds S] [--rounds R] [--reviews N] [--no-scale]
//   [--no-registry] [--no-postgres] [--out FILE] [--load wrk|autocannon]` (--reviews: length of the RSS long run, 0 skips it) (load generator: default wrk when it is on PATH, else autocannon; see run-load.js)
const { wrkVersion } = require('./run-load');

const FULL = { decisions: 10_000_000, approvals: 1_000_000, seconds: 5, rounds: 3, reviews: 1_000_000 };
const QUICK = { decisions: 200_000, approvals: 100_000, seconds: 2, rounds: 1, reviews: 100_000 };

function parseBenchArgs(argv) {
  const quick = argv.includes('--quick');
  const args = { ...(quick ? QUICK : FULL), quick, scale: true, registry: true, postgres: true, out: 'bench/RESULTS.md' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--quick') continue;
    if (flag === '--no-scale') {
      args.scale = false;
      continue;
    }
    if (flag === '--no-registry') {
      args.registry = false;
      continue;
    }
    if (flag === '--no-postgres') {
      args.postgres = false;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') args.out = value;
    else if (flag === '--load') {
      if (!['wrk', 'autocannon'].includes(value)) throw new Error(`--load must be wrk or autocannon, got ${value}`);
      args.load = value;
    } else if (['--decisions', '--approvals', '--seconds', '--rounds', '--reviews'].includes(flag)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, got ${value}`);
      args[flag.slice(2)] = n;
    } else throw new Error(`unknown flag ${flag}`);
  }
  if (args.load === undefined) args.load = wrkVersion() === null ? 'autocannon' : 'wrk';
  return args;
}

module.exports = { parseBenchArgs };
