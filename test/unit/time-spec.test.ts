import { parseDuration, parseExpiry, parseIsoTimestamp, parsePastTime } from '../../src/core/time-spec';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const FORMS = 'an ISO-8601 date (2026-11-01), date-time (2026-11-01T12:00:00Z) or a duration (30m, 1h, 7d, 1h30m)';

describe('parseDuration', () => {
  test.each([
    ['30s', 30 * S],
    ['15m', 15 * M],
    ['1h', H],
    ['7d', 7 * D],
    ['2w', 14 * D],
    ['1h30m', H + 30 * M],
    ['1w2d3h4m5s', 9 * D + 3 * H + 4 * M + 5 * S],
    ['0s', 0],
    ['90m', 90 * M],
    ['007d', 7 * D],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '1x', '-5d', '+5d', '5', 'd', '1.5h', '1h 30m', ' 1h', '30m1h', '1h1h', '1H', 'yesterday', '1234567890s', `${'1s'.repeat(40)}`])(
    '%j is not a duration',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );
});

describe('parseIsoTimestamp', () => {
  test.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T12:30:00Z', '2026-11-01T12:30:00.000Z'],
    ['2026-11-01T12:30Z', '2026-11-01T12:30:00.000Z'],
    ['2026-11-01T12:30:00', '2026-11-01T12:30:00.000Z'],
    ['2026-11-01 12:30:00z', '2026-11-01T12:30:00.000Z'],
    ['2026-11-01T12:30:00+02:00', '2026-11-01T10:30:00.000Z'],
    ['2026-11-01T12:30:00-0530', '2026-11-01T18:00:00.000Z'],
    ['2021-08-25T12:20:30.000000005Z', '2021-08-25T12:20:30.000Z'],
    ['2024-12-26T21:58:15.943876+05:30', '2024-12-26T16:28:15.943Z'],
    ['2025-06-19T11:43:35.523947199Z', '2025-06-19T11:43:35.523Z'],
    ['2024-02-22T19:46:26.372724916+01:00', '2024-02-22T18:46:26.372Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-11-01T12:00:00.1239999999999Z', '2026-11-01T12:00:00.123Z'],
    ['0099-01-01', '0099-01-01T00:00:00.000Z'],
  ])('%s = %s', (text, iso) => {
    expect(parseIsoTimestamp(text)).toBe(Date.parse(iso));
  });

  test.each([
    '',
    '2026-13-01',
    '2026-00-10',
    '2026-02-30',
    '2025-02-29',
    '2026-11-01T24:00:00Z',
    '2026-11-01T12:60:00Z',
    '2026-11-01T12:00:60Z',
    '2026-11-01T12:00:00+24:00',
    '2026-11-01T12:00:00.Z',
    '2026-1-01',
    '26-11-01',
    '2026/11/01',
    '2026-11-01T',
    'Tue, 01 Nov 2026 00:00:00 GMT',
    `2026-11-01T12:00:00.${'0'.repeat(100)}Z`,
  ])('%j is refused', (text) => {
    expect(parseIsoTimestamp(text)).toBeNull();
  });
});

describe('parsePastTime', () => {
  test.each([
    ['1h', NOW - H],
    ['7d', NOW - 7 * D],
    ['1h30m', NOW - H - 30 * M],
    [' 1h ', NOW - H],
    ['2026-11-01', Date.parse('2026-11-01T00:00:00Z')],
    ['2026-06-01T08:00:00+02:00', Date.parse('2026-06-01T06:00:00Z')],
    ['2026-06-01T08:00:00', Date.parse('2026-06-01T08:00:00Z')],
  ])('%j', (text, value) => {
    expect(parsePastTime(text, NOW)).toEqual({ ok: true, value });
  });

  test.each([
    ['', `empty time: expected ${FORMS}`],
    ['   ', `empty time: expected ${FORMS}`],
    ['yesterday', `invalid time "yesterday": expected ${FORMS}`],
    ['1x', `invalid time "1x": expected ${FORMS}`],
    ['-5d', `invalid time "-5d": expected ${FORMS}`],
    ['2026-13-01', 'invalid date or date-time "2026-13-01"'],
    ['2026-02-30T00:00:00Z', 'invalid date or date-time "2026-02-30T00:00:00Z"'],
    ['x'.repeat(100), `invalid time "${'x'.repeat(37)}...": expected ${FORMS}`],
  ])('%j is refused', (text, error) => {
    expect(parsePastTime(text, NOW)).toEqual({ ok: false, error });
  });
});

describe('parseExpiry', () => {
  test.each([
    ['7d', NOW + 7 * D],
    ['1s', NOW + S],
    ['2w', NOW + 14 * D],
    ['2026-11-01', Date.parse('2026-11-01T00:00:00Z')],
    ['2026-06-15T12:00:00.001Z', NOW + 1],
  ])('%j', (text, value) => {
    expect(parseExpiry(text, NOW)).toEqual({ ok: true, value });
  });

  test.each([
    ['0s', 'expiry "0s" is not in the future'],
    ['2026-06-15T12:00:00Z', 'expiry "2026-06-15T12:00:00Z" is not in the future'],
    ['2020-01-01', 'expiry "2020-01-01" is not in the future'],
    ['tomorrow', `invalid time "tomorrow": expected ${FORMS}`],
    ['-5d', `invalid time "-5d": expected ${FORMS}`],
    ['2026-13-01', 'invalid date or date-time "2026-13-01"'],
    ['', `empty time: expected ${FORMS}`],
  ])('%j is refused', (text, error) => {
    expect(parseExpiry(text, NOW)).toEqual({ ok: false, error });
  });
});
