import { parseRetryAfter } from '../../../src/registry/retry-after';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  test.each<[string | undefined, number | null]>([
    [undefined, null],
    ['', null],
    ['0', 0],
    ['3', 3000],
    [' 2 ', 2000],
    ['3600', 10_000], // capped
    ['Wed, 01 Jan 2025 00:00:04 GMT', 4000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0], // in the past
    ['Thu, 01 Jan 2099 00:00:00 GMT', 10_000],
    ['-1', null],
    ['1.5', null],
    ['soon', null],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, now, 10_000)).toBe(expected);
  });
});
