import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the OS temp dir; call `cleanup()` in afterEach. */
export interface TempDir {
  readonly path: string;
  /** A path inside the directory. */
  file(...parts: string[]): string;
  cleanup(): void;
}

export function makeTempDir(prefix = 'image-reviewer-test-'): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    path: dir,
    file: (...parts) => path.join(dir, ...parts),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
