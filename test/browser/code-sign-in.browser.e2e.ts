/**
 * The page's "sign in with a code" option in headless Chromium: Parley mails the code through its
 * real SMTP adapter to a local SMTP server (loopback), the page signs in with it and opens the chat.
 * Needs Debian's Chromium at /usr/bin/chromium (or PARLEY_CHROMIUM): test/run-all.sh installs it.
 */
import { randomBytes } from 'node:crypto';
import { LocalSmtpServer } from '../../libs/adapters/src/testing/otp/local-smtp.server';
import { useChromium } from '../support/chromium';
import { e2eTest, useParley } from '../support/suite';
import { eventually } from '../support/wait';

const STEP_MS = 20_000;

let smtp: LocalSmtpServer;
const env: Record<string, string> = {};
beforeAll(async () => {
  smtp = await new LocalSmtpServer().start();
  Object.assign(env, {
    PARLEY_OTP_EMAIL_PROVIDER: 'smtp',
    PARLEY_OTP_SMTP_HOST: '127.0.0.1',
    PARLEY_OTP_SMTP_PORT: String(smtp.port),
    PARLEY_OTP_SMTP_TLS: 'none',
    PARLEY_OTP_SMTP_FROM: 'no-reply@parley.test',
  });
});
const parley = useParley({ env });
afterAll(() => smtp.stop());

describe('sign in with a code on the page', () => {
  const browser = useChromium();

  e2eTest('asks for a code by e-mail, refuses a wrong one, signs in with the right one and opens the chat', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_MS);
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(parley.current.baseUrl + '/');
      const email = `ada-${randomBytes(4).toString('hex')}@example.test`;
      await page.click('#code-sign-in summary');
      await page.selectOption('#code-channel', 'email');
      await page.fill('#code-destination', email);
      await page.click('#code-send');
      await page.locator('#code-status', { hasText: 'A code is on its way' }).waitFor();
      const code = await eventually('the mailed code', async () => {
        const [c] = smtp.codesTo(email);
        if (!c) throw new Error('no mail yet');
        return c;
      });
      await page.fill('#code-value', code === '000000' ? '000001' : '000000');
      await page.click('#code-verify');
      await page.locator('#code-status', { hasText: 'wrong or has expired' }).waitFor();
      await page.fill('#code-value', code);
      await page.click('#code-verify');
      await page.locator('#chat-view').waitFor({ state: 'visible' });
      await expect(page.locator('#me').textContent()).resolves.toMatch(/^u-[0-9a-f]{16}$/);
      await page.locator('#connection', { hasText: 'online' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
