import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

/**
 * One headless Chromium per browser test file: Debian's at /usr/bin/chromium (or PARLEY_CHROMIUM;
 * test/run-all.sh installs it), launched in `beforeAll`, every context it made closed and the
 * browser stopped in `afterAll`. Playwright gives each launch a fresh temporary --user-data-dir and
 * removes it on close.
 */
const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
export const LAUNCH_TIMEOUT_MS = 60_000;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ChromiumHandle {
  /** A fresh browser context (its own cookies and storage), closed after the file's tests. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/** Registers the launch and the teardown in the enclosing describe; `extraArgs` add Chromium flags (e.g. fake media devices). */
export function useChromium(extraArgs: readonly string[] = []): ChromiumHandle {
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set PARLEY_CHROMIUM`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: LAUNCH_TIMEOUT_MS, args: [...ARGS, ...extraArgs] });
  }, LAUNCH_TIMEOUT_MS);

  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await browser?.close();
  });

  return {
    async newContext(options) {
      if (!browser) throw new Error('Chromium did not start (see the beforeAll error)');
      const context = await browser.newContext(options);
      contexts.push(context);
      return context;
    },
  };
}
