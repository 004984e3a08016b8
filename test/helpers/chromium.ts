import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium (`/usr/bin/chromium`, installed by .ci/run), driven by playwright-core: its own browser
 * downloads cannot work here. Playwright gives each launch a fresh profile directory (--user-data-dir) of its own.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
