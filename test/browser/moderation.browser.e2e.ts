/**
 * Issue 13.4 on the chat page (libs/web-ui/src/moderation.ts): a member reports a message from its
 * Report button; the group's owner (1280 px) opens "Moderate", sees the report, mutes the member,
 * deletes the reported message and resolves the report, and the audit log shows each action; the
 * member's page (375 px) offers no moderation. axe-core finds no serious or critical violation.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or PARLEY_CHROMIUM), as the other browser tests.
 */
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { e2eTest, useParley } from '../support/suite';
import { uniqueUsername } from '../support/users';

const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const STEP_MS = 20_000;
const LAUNCH_TIMEOUT_MS = 60_000;

const parley = useParley();

describe('moderation on the chat page', () => {
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium or set PARLEY_CHROMIUM`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: LAUNCH_TIMEOUT_MS, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'] });
  }, LAUNCH_TIMEOUT_MS);

  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await browser?.close();
  });

  async function signedIn(viewport: { width: number; height: number }, username: string): Promise<Page> {
    if (!browser) throw new Error('Chromium did not start (see the beforeAll error)');
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.goto(parley.current.baseUrl + '/');
    await page.fill('#username', username);
    await page.fill('#password', 'correct horse battery');
    await page.click('#register');
    await page.locator('#connection', { hasText: 'online' }).waitFor();
    return page;
  }

  async function accessibilityProblems(page: Page): Promise<string[]> {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.passes.length).toBeGreaterThan(0);
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  }

  e2eTest('a member reports a message; the owner mutes, deletes and resolves from the Moderate panel', async () => {
    const aliceName = uniqueUsername('alice');
    const bobName = uniqueUsername('bob');
    const alice = await signedIn({ width: 1280, height: 800 }, aliceName);
    const bob = await signedIn({ width: 375, height: 720 }, bobName);

    await alice.fill('#group-title', 'Moderated');
    await alice.fill('#group-members', bobName);
    await alice.locator('#group-members').press('Enter');
    await alice.locator('#conversation-title', { hasText: 'Moderated' }).waitFor();
    await bob.locator('[data-testid="conversation"] button', { hasText: 'Moderated' }).click();
    await bob.locator('#composer').fill('rude words');
    await bob.locator('#composer').press('Enter');
    const rude = alice.locator('[data-testid="message"]', { hasText: 'rude words' });
    await rude.waitFor();

    // Alice moderates: Delete on Bob's message; Bob only gets Report on Alice's, and no Moderate button.
    await expect(rude.locator('button[data-action="delete"]').count()).resolves.toBe(1);
    await alice.locator('#composer').fill('be nice');
    await alice.locator('#composer').press('Enter');
    const nice = bob.locator('[data-testid="message"]', { hasText: 'be nice' });
    await nice.waitFor();
    await expect(bob.locator('#moderation-toggle').isVisible()).resolves.toBe(false);
    bob.once('dialog', (d) => void d.accept('testing the queue'));
    await nice.getByRole('button', { name: /^Report/ }).click();
    await bob.locator('[data-testid="banner"]', { hasText: 'Reported to the moderators.' }).waitFor();
    expect(await accessibilityProblems(bob)).toEqual([]);

    // The panel, by keyboard: the toggle is a button with aria-expanded.
    await alice.locator('#moderation-toggle').focus();
    await alice.keyboard.press('Enter');
    await expect(alice.locator('#moderation-toggle').getAttribute('aria-expanded')).resolves.toBe('true');
    const report = alice.locator('[data-testid="report"]', { hasText: 'testing the queue' });
    await report.waitFor();
    const bobRow = alice.locator('[data-testid="moderation-member"]', { hasText: bobName });
    await bobRow.getByLabel(`Mute ${bobName} for`).selectOption('3600');
    await bobRow.getByRole('button', { name: `Mute ${bobName}`, exact: true }).click();
    await alice.locator('[data-testid="audit"] li', { hasText: 'member.muted' }).waitFor();
    expect(await accessibilityProblems(alice)).toEqual([]);

    // Bob is muted: his send is refused with the reason.
    await bob.locator('#composer').fill('still here');
    await bob.locator('#composer').press('Enter');
    await bob.locator('[data-testid="message"]', { hasText: 'still here' }).locator('[data-testid="status"]', { hasText: 'MUTED' }).waitFor();

    // Alice deletes the reported message from the queue and resolves the report.
    await report.getByRole('button', { name: /^Delete the message/ }).click();
    await nice.waitFor({ state: 'detached' }); // a tombstone keeps no text
    await alice.locator('[data-testid="report"]').getByRole('button', { name: /^Resolve as actioned/ }).click();
    await alice.locator('#moderation-panel', { hasText: 'No open reports.' }).waitFor();
    await alice.locator('[data-testid="audit"] li', { hasText: 'report.resolved' }).waitFor();

    // A moderator's Delete on someone else's message: a tombstone for Bob, and an audit entry.
    await rude.locator('button[data-action="delete"]').click();
    await bob.locator('[data-testid="message"]', { hasText: 'rude words' }).waitFor({ state: 'detached' });
    await alice.locator('#moderation-toggle').click();
    await alice.locator('#moderation-toggle').click();
    await alice.locator('[data-testid="audit"] li', { hasText: 'message.deleted' }).waitFor();
  });
});
