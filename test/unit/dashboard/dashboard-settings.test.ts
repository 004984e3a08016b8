import fs from 'node:fs';
import { UsageError } from '../../../src/errors';
import { dashboardSettings, isLoopback } from '../../../src/dashboard/start-dashboard';
import { tokenMatches } from '../../../src/dashboard/dashboard-auth';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

describe('serve --dashboard settings', () => {
  let tmp: TempDir;
  beforeEach(() => (tmp = makeTempDir()));
  afterEach(() => tmp.cleanup());

  it('listens on loopback without a token', () => {
    expect(dashboardSettings('127.0.0.1:8081', undefined)).toEqual({ listen: { host: '127.0.0.1', port: 8081 }, token: null });
    expect(dashboardSettings('localhost', undefined)).toEqual({ listen: { host: 'localhost', port: 8081 }, token: null });
    expect(dashboardSettings(undefined, undefined)).toBeNull();
  });

  it('refuses a non-loopback address without a token', () => {
    expect(() => dashboardSettings('0.0.0.0:8081', undefined)).toThrow(
      new UsageError('--dashboard 0.0.0.0:8081 is not a loopback address: give --dashboard-token-file (the audit trail must not be open to the network)'),
    );
    expect(() => dashboardSettings('[::]:8081', undefined)).toThrow(UsageError);
  });

  it('takes a non-loopback address with a token file, and refuses a short or missing token', () => {
    const good = tmp.file('token');
    fs.writeFileSync(good, 'x'.repeat(32) + '\n');
    expect(dashboardSettings('0.0.0.0:9000', good)).toEqual({ listen: { host: '0.0.0.0', port: 9000 }, token: 'x'.repeat(32) });
    const short = tmp.file('short');
    fs.writeFileSync(short, 'secret');
    expect(() => dashboardSettings('0.0.0.0:9000', short)).toThrow(/must hold one token of at least 16 characters/);
    expect(() => dashboardSettings('0.0.0.0:9000', tmp.file('absent'))).toThrow(/cannot read/);
    expect(() => dashboardSettings(undefined, good)).toThrow('--dashboard-token-file needs --dashboard HOST:PORT');
  });

  it('knows loopback addresses', () => {
    expect(['localhost', '127.0.0.1', '127.8.9.10', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('compares tokens whatever their lengths', () => {
    expect(tokenMatches('a'.repeat(20), 'a'.repeat(20))).toBe(true);
    expect(tokenMatches('a', 'a'.repeat(20))).toBe(false);
    expect(tokenMatches('', 'a'.repeat(20))).toBe(false);
  });
});
