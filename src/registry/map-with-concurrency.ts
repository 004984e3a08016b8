// Runs an async function over many items with at most `limit` in flight (bulk `approve --file`, an index's
// platforms). Each item settles on its own, so one failure loses nothing: results are in input order.

export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

/** Called after each item settles: `done` of `total` finished so far (for a progress bar). */
export type ProgressListener<R> = (done: number, total: number, result: Settled<R>, index: number) => void;

export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onProgress?: ProgressListener<R>,
): Promise<readonly Settled<R>[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  const results = new Array<Settled<R>>(items.length);
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await settle(() => fn(items[index]!, index));
      done++;
      onProgress?.(done, items.length, results[index]!, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function settle<R>(run: () => Promise<R>): Promise<Settled<R>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
}
