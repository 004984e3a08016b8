import { type RegistryClient, createRegistryClient } from '../../src/registry/registry-client';

/**
 * Registers beforeEach/afterEach hooks giving each test a fresh registry client without retries (a failure
 * shows at once, never after backoff), closed after the test. Call the returned function inside a test.
 */
export function useRegistryClient(): () => RegistryClient {
  let current: RegistryClient | undefined;
  beforeEach(() => {
    current = createRegistryClient({ http: { retries: 0 } });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('useRegistryClient: the client exists only inside a test');
    return current;
  };
}
