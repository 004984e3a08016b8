import { futureScanProblem } from '../../src/core/scan-report/future-scan-problem';

const NOW = Date.parse('2026-11-28T04:00:00Z');
const MINUTE = 60_000;

describe('futureScanProblem: a report dated ahead of the clock is refused at import', () => {
  it.each<[string, number | null, string | null]>([
    ['an undated report', null, null],
    ['a report from the past', NOW - 90 * 24 * 60 * MINUTE, null],
    ['a report dated now', NOW, null],
    ["a scanner's clock 5 minutes fast", NOW + 5 * MINUTE, null],
    [
      'a report 5 minutes and a second ahead',
      NOW + 5 * MINUTE + 1000,
      "the report is dated 2026-11-28T04:05:01Z, more than 5 minutes ahead of this machine's clock (2026-11-28T04:00:00Z): " +
        "refused, since a scan from the future would stay the newest for ever; check the scanner's clock",
    ],
    [
      'a report dated 2099',
      Date.parse('2099-01-01T00:00:00Z'),
      "the report is dated 2099-01-01T00:00:00Z, more than 5 minutes ahead of this machine's clock (2026-11-28T04:00:00Z): " +
        "refused, since a scan from the future would stay the newest for ever; check the scanner's clock",
    ],
  ])('%s', (_name, scannedAt, expected) => {
    expect(futureScanProblem(scannedAt, NOW)).toBe(expected);
  });
});
