import { formatCsv, outputFormat } from '../../../src/cli/output';
import { UsageError } from '../../../src/errors';

// The one CSV writer every list command uses (SPEC §7): RFC 4180 quoting, and the OWASP CSV-injection rule.

describe('formatCsv', () => {
  it.each<[string, string | number | boolean | null, string]>([
    ['a formula', '=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a plus', '+1+2', "'+1+2"],
    ['a minus', '-2+3', "'-2+3"],
    ['an at sign', '@SUM(A1)', "'@SUM(A1)"],
    // TAB and CR are neutralised first, then shown as `?` like every control character.
    ['a leading TAB', '\t=1', "'?=1"],
    ['a leading CR', '\r=1', "'?=1"],
    ['a formula character inside the text', 'a=b-c', 'a=b-c'],
    ['a comma', 'a,b', '"a,b"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a line break, shown as ?', 'a\nb', 'a?b'],
    ['a negative number, which is a number and not a formula', -3, '-3'],
    ['a boolean', true, 'true'],
    ['null, an empty cell', null, ''],
  ])('writes %s as a cell that stays what it is', (_name, cell, written) => {
    expect(formatCsv(['h'], [[cell]])).toBe(`h\r\n${written}`);
  });

  it('separates fields with commas and records with CRLF, after a header line', () => {
    expect(formatCsv(['a', 'b'], [['1', 2], [null, '=x']])).toBe("a,b\r\n1,2\r\n,'=x");
  });
});

describe('outputFormat', () => {
  it.each<[{ json?: boolean; csv?: boolean }, string]>([
    [{}, 'table'],
    [{ json: true }, 'json'],
    [{ csv: true }, 'csv'],
  ])('reads %j as %s', (flags, format) => {
    expect(outputFormat(flags)).toBe(format);
  });

  it('refuses --json with --csv', () => {
    expect(() => outputFormat({ json: true, csv: true })).toThrow(new UsageError('--json and --csv cannot be combined'));
  });
});
