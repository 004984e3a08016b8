import path from 'node:path';

/**
 * The compiled script of a worker thread in src/store/ (`audit-thread`, `audit-verify-thread`). A worker thread runs
 * JavaScript only, so when this module is loaded from its TypeScript source (ts-jest) the build's copy in dist/ is
 * started: tests then exercise exactly the thread that `serve` runs; the jest projects that use one build dist/ first
 * (jest.config.js globalSetup).
 */
export function threadScript(name: string): string {
  const compiled = path.extname(__filename) === '.ts' ? path.resolve(__dirname, '../../dist/store') : __dirname;
  return path.join(compiled, `${name}.js`);
}
