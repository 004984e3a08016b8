'use strict';
// Preloaded (`node -r`) into a CLI run whose peak memory the bench reports: at exit, the process's VmHWM (peak
// resident set, what a container's memory limit counts) is written to the file named by BENCH_PEAK_RSS_FILE.
const fs = require('node:fs');

process.on('exit', () => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (hwm !== null) fs.writeFileSync(process.env.BENCH_PEAK_RSS_FILE, `${Number(hwm[1]) * 1024}\n`);
});
