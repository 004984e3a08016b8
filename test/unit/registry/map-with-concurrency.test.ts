import { mapWithConcurrency } from '../../../src/registry/map-with-concurrency';

describe('mapWithConcurrency', () => {
  test('keeps input order, settles each item on its own, and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const progress: [number, number, number][] = [];
    const results = await mapWithConcurrency(
      [30, 5, 20, 1, 10, 2],
      2,
      async (ms, index) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, ms));
        running--;
        if (index === 2) throw new Error(`item ${index} failed`);
        if (index === 4) throw 'not an Error';
        return ms * 2;
      },
      (done, total, _result, index) => progress.push([done, total, index]),
    );
    expect(peak).toBe(2);
    expect(results.map((r) => (r.ok ? r.value : r.error.message))).toEqual([60, 10, 'item 2 failed', 2, 'not an Error', 4]);
    expect(progress.map(([done]) => done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.every(([, total]) => total === 6)).toBe(true);
    expect(progress.map(([, , index]) => index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('an empty list gives an empty result', async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });

  test('refuses a limit below 1', async () => {
    await expect(mapWithConcurrency([1], 0, async () => 1)).rejects.toThrow('concurrency limit must be a positive integer, got 0');
  });
});
