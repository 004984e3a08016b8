'use strict';
// What a process costs, read from Linux /proc as an operator's tools read it.
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ, 100 on every common kernel). */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU time in ms from a `stat` file: fields 14 and 15. */
function statCpuMs(file) {
  const stat = fs.readFileSync(file, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

/** User + system CPU time of the whole process (every thread), in ms: /proc/PID/stat. */
function cpuMs(pid) {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** CPU ms of each thread of `pid`, by thread id ('main' for the thread whose id is the process's). */
function threadCpuMs(pid) {
  const out = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid) === pid ? 'main' : tid, statCpuMs(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** CPU ms of every process in `pids` (a PostgreSQL server's postmaster and backends), per pid: backends come and go. */
function cpuOf(pids) {
  const out = new Map();
  for (const pid of pids) {
    try {
      out.set(pid, cpuMs(pid));
    } catch {
      // Gone.
    }
  }
  return out;
}

/** CPU ms spent between two `cpuOf` readings, a process that started in between counted from zero. */
function cpuSince(before, after) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** VmHWM (peak) or VmRSS (current) resident set size in MB, from /proc/PID/status. */
function rssMb(pid, field = 'VmRSS') {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

module.exports = { cpuMs, cpuOf, cpuSince, rssMb, threadCpuMs };
