/**
 * Keeps a command running quietly once the reader of `stream` has gone (`image-reviewer audit | head`): the write
 * fails with EPIPE, which Node reports as an 'error' event that, unheard, ends the process with a stack trace.
 * What is still written is dropped (the stream is destroyed), the command finishes what it was doing (a bulk
 * approval is not left half done) and exits with its own code. Any other stream error is still fatal.
 */
export function dropOutputWhenClosed(stream: NodeJS.EventEmitter): void {
  stream.on('error', (err: unknown) => {
    if (isBrokenPipe(err)) return;
    throw err;
  });
}

/** EPIPE: the pipe's reader closed it. */
export function isBrokenPipe(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'EPIPE';
}
