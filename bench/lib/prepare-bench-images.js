'use strict';
// Approves and scans the bench images through the real CLI, as an operator would.
const fs = require('node:fs');
const path = require('node:path');
const { runCli } = require('./cli');
const { APPROVED_IMAGES, cleanTrivyReport } = require('./review-bodies');

function prepareBenchImages(db, workDir) {
  const list = path.join(workDir, 'bench-images.txt');
  const report = path.join(workDir, 'bench-scan.json');
  fs.writeFileSync(list, `${APPROVED_IMAGES.join('\n')}\n`);
  fs.writeFileSync(report, cleanTrivyReport());
  runCli(db, ['approve', '--file', list, '--offline', '--by', 'bench', '--reason', 'bench image']);
  runCli(db, ['scan', 'import', report]);
}

module.exports = { prepareBenchImages };
