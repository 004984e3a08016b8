'use strict';
// A one-line progress bar on stderr (redrawn with \r on a TTY, a line every 10 % otherwise).

function createProgress(label, total, quiet = false) {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  const line = (done) => {
    const fraction = total === 0 ? 1 : done / total;
    const width = 30;
    const filled = Math.round(fraction * width);
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    return `${label.padEnd(10)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
      `${done.toLocaleString('en')}/${total.toLocaleString('en')} ${rate.toLocaleString('en')}/s ETA ${eta}s`;
  };
  return {
    update(done) {
      if (quiet) return;
      if (tty) process.stderr.write(`\r${line(done)}`);
      else {
        const tenth = Math.floor((done / Math.max(1, total)) * 10);
        if (tenth !== lastTenth) process.stderr.write(`${line(done)}\n`);
        lastTenth = tenth;
      }
    },
    done() {
      if (!quiet && tty) process.stderr.write('\n');
    },
  };
}

module.exports = { createProgress };
