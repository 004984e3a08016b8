import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Jest globalSetup of the projects that run dist/: compiles src/ as `npm run build` does. Incremental, with the build
 * info inside dist/, so an unchanged tree costs a few seconds and a removed dist/ is rebuilt in full.
 */
export default function buildDist(): void {
  const root = path.resolve(__dirname, '..');
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', path.join('dist', '.tsbuildinfo')],
    { cwd: root, stdio: 'inherit' },
  );
}
