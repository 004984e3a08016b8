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
    expect(dashboardSettings({ listen: '127.0.0.1:8081' })).toEqual({ listen: { host: '127.0.0.1', port: 8081 }, token: null, tls: null });
    expect(dashboardSettings({ listen: 'localhost' })).toEqual({ listen: { host: 'localhost', port: 8081 }, token: null, tls: null });
    expect(dashboardSettings({})).toBeNull();
  });

  it('refuses a non-loopback address without a token or a client CA', () => {
    const refusal = new UsageError(
      '--dashboard 0.0.0.0:8081 is not a loopback address: give --dashboard-token-file or --dashboard-client-ca (the audit trail must not be open to the network)',
    );
    expect(() => dashboardSettings({ listen: '0.0.0.0:8081' })).toThrow(refusal);
    // TLS alone authenticates the server, not the reader.
    expect(() => dashboardSettings({ listen: '0.0.0.0:8081', tlsCert: 'c.pem', tlsKey: 'k.pem' })).toThrow(refusal);
    expect(() => dashboardSettings({ listen: '[::]:8081' })).toThrow(UsageError);
  });

  it('takes a non-loopback address with a client CA, which needs the dashboard certificate and key', () => {
    expect(dashboardSettings({ listen: '0.0.0.0:9000', tlsCert: 'c.pem', tlsKey: 'k.pem', clientCa: 'ca.pem' })).toEqual({
      listen: { host: '0.0.0.0', port: 9000 },
      token: null,
      tls: { certFile: 'c.pem', keyFile: 'k.pem', clientCaFile: 'ca.pem', unauthenticatedPaths: [] },
    });
    expect(() => dashboardSettings({ listen: '0.0.0.0:9000', clientCa: 'ca.pem' })).toThrow(
      new UsageError('--dashboard-client-ca needs --dashboard-tls-cert and --dashboard-tls-key (client certificates are a TLS feature)'),
    );
    expect(() => dashboardSettings({ listen: '127.0.0.1:9000', tlsCert: 'c.pem' })).toThrow(
      new UsageError('--dashboard-tls-cert and --dashboard-tls-key go together'),
    );
    expect(() => dashboardSettings({ clientCa: 'ca.pem' })).toThrow(new UsageError('--dashboard-client-ca needs --dashboard HOST:PORT'));
  });

  it('takes a non-loopback address with a token file, and refuses a short or missing token', () => {
    const good = tmp.file('token');
    fs.writeFileSync(good, 'x'.repeat(32) + '\n');
    expect(dashboardSettings({ listen: '0.0.0.0:9000', tokenFile: good })).toEqual({ listen: { host: '0.0.0.0', port: 9000 }, token: 'x'.repeat(32), tls: null });
    const short = tmp.file('short');
    fs.writeFileSync(short, 'secret');
    expect(() => dashboardSettings({ listen: '0.0.0.0:9000', tokenFile: short })).toThrow(/must hold one token of at least 16 characters/);
    expect(() => dashboardSettings({ listen: '0.0.0.0:9000', tokenFile: tmp.file('absent') })).toThrow(/cannot read/);
    expect(() => dashboardSettings({ tokenFile: good })).toThrow('--dashboard-token-file needs --dashboard HOST:PORT');
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
