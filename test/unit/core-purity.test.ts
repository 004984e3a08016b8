import fs from 'node:fs';
import path from 'node:path';

// STYLE 1: the decision core is pure. It imports nothing outside src/core (no store, http, cli, registry), no
// module that does I/O, and reads no clock: callers pass `now`.

const CORE = path.resolve(__dirname, '..', '..', 'src', 'core');

const IO_MODULES = [
  'fs',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'child_process',
  'worker_threads',
  'cluster',
  'better-sqlite3',
  'undici',
  'express',
];

const CLOCK_READS: readonly [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date() without arguments'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
];

const IMPORT = /\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every problem with one source file, as `what (specifier)`. */
function impurities(file: string, source: string): string[] {
  const code = withoutComments(source);
  const problems: string[] = [];
  for (const match of code.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(file), specifier);
      if (path.relative(CORE, target).startsWith('..')) problems.push(`imports outside src/core (${specifier})`);
      continue;
    }
    const base = specifier.replace(/^node:/, '').split('/')[0];
    if (IO_MODULES.includes(base)) problems.push(`imports an I/O module (${specifier})`);
  }
  for (const [pattern, what] of CLOCK_READS) {
    if (pattern.test(code)) problems.push(`reads the clock (${what})`);
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('src/core is pure', () => {
  const files = sourceFiles(CORE);

  it('has files to check', () => {
    expect(files.map((file) => path.relative(CORE, file))).toEqual(expect.arrayContaining(['decide.ts', 'types.ts', 'break-glass.ts']));
  });

  it('no file imports I/O or anything outside src/core, or reads the clock', () => {
    const found = files.flatMap((file) => impurities(file, fs.readFileSync(file, 'utf8')).map((p) => `${path.relative(CORE, file)}: ${p}`));
    expect(found).toEqual([]);
  });
});

describe('the purity scanner itself', () => {
  const inCore = path.join(CORE, 'rules', 'example.ts');
  it.each<[string, string[]]>([
    ["import fs from 'fs';", ['imports an I/O module (fs)']],
    ["import { readFileSync } from 'node:fs';", ['imports an I/O module (node:fs)']],
    ["import { readFile } from 'node:fs/promises';", ['imports an I/O module (node:fs/promises)']],
    ["import type {\n  Database,\n} from 'better-sqlite3';", ['imports an I/O module (better-sqlite3)']],
    ["const { request } = require('undici');", ['imports an I/O module (undici)']],
    ["const http = await import('node:http');", ['imports an I/O module (node:http)']],
    ["import 'express';", ['imports an I/O module (express)']],
    ["export { x } from 'child_process';", ['imports an I/O module (child_process)']],
    ["import { openDatabase } from '../../store/open-database';", ['imports outside src/core (../../store/open-database)']],
    ["import type { RegistryLookup } from '../../registry/types';", ['imports outside src/core (../../registry/types)']],
    ["import { main } from '../../cli/main';", ['imports outside src/core (../../cli/main)']],
    ['const now = Date.now();', ['reads the clock (Date.now())']],
    ['const today = new Date();', ['reads the clock (new Date() without arguments)']],
    ["import semver from 'semver';\nimport { parse } from 'yaml';\nimport { createHash } from 'node:crypto';", []],
    ["import type { Policy } from '../types';\nimport { compileGlob } from '../glob';", []],
    ['const when = new Date(epochMs).toISOString();', []],
    ['// callers pass now rather than calling Date.now()\n/* new Date() */', []],
    ["const url = 'https://example.com'; // not an import of https", []],
  ])('%j', (source, expected) => {
    expect(impurities(inCore, source)).toEqual(expected);
  });
});
