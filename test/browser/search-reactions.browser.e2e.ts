/**
 * The chat page's message search and what survives a reload (issue 13, Deliver 3 and 5): Alice on a
 * desktop-wide page (1280 px), Bob on a phone-wide one (375 px). Bob searches all his conversations
 * and the open one by keyboard, the results name the conversation and the time, and Enter opens the
 * conversation at the message (loading older history back to it). After a reload the page still shows
 * reactions (and which are the user's own: the toggle stays pressed), edits and tombstones. axe-core
 * finds no serious or critical violation at either width with results on screen.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or PARLEY_CHROMIUM), as the other browser tests.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { ParleyRest } from '@parley/client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { e2eTest, useParley } from '../support/suite';
import { createDirect, createGroup, registerUser, type TestUser } from '../support/users';

const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const STEP_MS = 20_000;
const LAUNCH_TIMEOUT_MS = 60_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 720 };
/** Messages after the group's needle: more than the page loads when a conversation opens (50). */
const FILLER = 70;

const parley = useParley();

describe('the chat page searches messages and keeps reactions, edits and deletes over a reload', () => {
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium or set PARLEY_CHROMIUM`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: LAUNCH_TIMEOUT_MS,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, LAUNCH_TIMEOUT_MS);

  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await browser?.close();
  });

  async function signedIn(viewport: { width: number; height: number }, user: TestUser): Promise<Page> {
    if (!browser) throw new Error('Chromium did not start (see the beforeAll error)');
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(parley.current.baseUrl + '/');
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#login');
    await page.locator('#connection', { hasText: 'online' }).waitFor();
    expect(problems).toEqual([]);
    return page;
  }

  async function accessibilityProblems(page: Page): Promise<string[]> {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.passes.length).toBeGreaterThan(0);
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  }

  const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  const message = (page: Page, text: string) => page.locator('[data-testid="message"]').filter({ has: page.locator('span.text', { hasText: new RegExp(`^${text}$`) }) });

  /**
   * Types `q` and submits with Enter until the status line reports `count` results (the index follows
   * the events stream, so a message just sent shows shortly after); returns the status text.
   */
  async function search(page: Page, q: string, count: number): Promise<string> {
    const deadline = Date.now() + STEP_MS;
    for (;;) {
      await page.locator('#search-query').fill(q);
      await page.locator('#search-query').press('Enter');
      await page.waitForFunction(() => !['', 'Searching…'].includes(document.getElementById('search-status')?.textContent ?? ''));
      const status = (await page.locator('[data-testid="search-status"]').textContent()) ?? '';
      if ((await page.locator('[data-testid="search-result"]').count()) === count) return status;
      if (Date.now() > deadline) throw new Error(`search for ${q}: wanted ${count} results, the page says: ${status}`);
      await page.waitForTimeout(200);
    }
  }

  e2eTest('search by keyboard at both widths, open at the message; reactions, edits and deletes after a reload', async () => {
    const { baseUrl } = parley.current;
    const [alice, bob] = await Promise.all([registerUser(baseUrl, 'alice'), registerUser(baseUrl, 'bob')]);
    const word = `w${randomUUID().replace(/-/g, '').slice(0, 12)}`; // unique to this run
    const title = `Search team ${word.slice(1, 6)}`;
    const group = await createGroup(baseUrl, alice.accessToken, title, [bob.user.id]);
    const direct = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    const aliceRest = new ParleyRest({ baseUrl, getAccessToken: () => alice.accessToken });
    await aliceRest.sendMessage(group.id, randomUUID(), `needle ${word} in the group`);
    for (let i = 0; i < FILLER; i++) await aliceRest.sendMessage(group.id, randomUUID(), `filler ${i}`);
    await aliceRest.sendMessage(direct.id, randomUUID(), `the ${word} in private`);
    await aliceRest.sendMessage(direct.id, randomUUID(), 'to be corrected');
    await aliceRest.sendMessage(direct.id, randomUUID(), 'to be removed');

    const bobPage = await signedIn(PHONE, bob);
    const alicePage = await signedIn(DESKTOP, alice);

    // A common word pages: 20 results, then "More results" adds the next 20 and moves focus to the first of them.
    expect(await search(bobPage, 'filler', 20)).toContain('20+ messages match');
    await bobPage.locator('#search-more').press('Enter');
    await bobPage.locator('[data-testid="search-result"]').nth(39).waitFor();
    await expect(bobPage.evaluate(() => document.activeElement?.closest('[data-testid="search-result"]') === document.querySelectorAll('[data-testid="search-result"]')[20])).resolves.toBe(true);
    await bobPage.locator('[data-testid="search-status"]', { hasText: '40+ messages match' }).waitFor();

    // Bob, on the phone, searches everything with the keyboard: both hits, newest first, with conversation and time.
    const status = await search(bobPage, word, 2);
    expect(status).toContain('2 messages match');
    const results = bobPage.locator('[data-testid="search-result"]');
    await expect(results.nth(0).textContent()).resolves.toContain(`the ${word} in private`);
    await expect(results.nth(1).textContent()).resolves.toContain(title);
    await expect(results.nth(1).locator('time').getAttribute('datetime')).resolves.toMatch(/^\d{4}-/);
    expect(await accessibilityProblems(bobPage)).toEqual([]);
    expect(await horizontalOverflow(bobPage)).toBeLessThanOrEqual(0);

    // Enter on the group's hit opens the group at the needle, 70 messages back: marked and focused.
    await results.nth(1).locator('button').press('Enter');
    await bobPage.locator('#conversation-title', { hasText: title }).waitFor();
    const needle = message(bobPage, `needle ${word} in the group`);
    await needle.waitFor();
    await bobPage.waitForFunction(() => document.activeElement?.classList.contains('highlight') === true);
    await expect(needle.getAttribute('class')).resolves.toContain('highlight');
    await bobPage.locator('[data-testid="announcer"]', { hasText: 'Showing the message' }).waitFor();
    await expect(bobPage.locator('[data-testid="message"]').count()).resolves.toBe(FILLER + 1);

    // Back at the list, the scope offers the conversation just open: one hit there, none for a word not in it.
    await bobPage.locator('#back').click();
    await bobPage.locator('#search-scope').focus();
    await bobPage.locator('#search-scope').selectOption({ label: `In ${title}` });
    expect(await search(bobPage, word, 1)).toContain('in this conversation');
    await search(bobPage, `private ${word}`, 0);
    await bobPage.locator('[data-testid="search-status"]', { hasText: 'No messages match' }).waitFor();
    await bobPage.locator('#search-query').press('Escape');
    await expect(bobPage.locator('#search-results').isHidden()).resolves.toBe(true);

    // Alice, on the desktop, tabs from the search button into the results and opens the direct chat's hit.
    await search(alicePage, word, 2);
    await alicePage.locator('#search-submit').focus();
    await alicePage.keyboard.press('Tab');
    await expect(alicePage.evaluate(() => document.activeElement?.closest('[data-testid="search-result"]') !== null)).resolves.toBe(true);
    await alicePage.keyboard.press('Enter');
    await message(alicePage, `the ${word} in private`).waitFor();
    await alicePage.waitForFunction(() => document.activeElement?.classList.contains('highlight') === true);
    expect(await accessibilityProblems(alicePage)).toEqual([]);

    // Bob reacts in the direct chat; Alice edits one message and deletes another.
    await bobPage.locator('[data-testid="conversation"] button', { hasText: alice.username }).click();
    const react = message(bobPage, `the ${word} in private`).locator('button[data-action="react"]');
    await expect(react.getAttribute('aria-pressed')).resolves.toBe('false');
    await react.press(' ');
    await message(alicePage, `the ${word} in private`).locator('[data-testid="note"]', { hasText: '👍 1' }).waitFor();
    await expect(react.getAttribute('aria-pressed')).resolves.toBe('true');
    await message(alicePage, 'to be corrected').locator('button[data-action="edit"]').click();
    await alicePage.locator('#composer').fill('corrected text');
    await alicePage.locator('#composer').press('Enter');
    await message(alicePage, 'to be removed').locator('button[data-action="delete"]').click();
    await message(bobPage, 'corrected text').locator('[data-testid="note"]', { hasText: 'edited' }).waitFor();
    await bobPage.locator('[data-testid="message"] [data-testid="note"]', { hasText: 'message deleted' }).waitFor();

    // After a reload Bob's page shows all of it again, from history: the count, his reaction (pressed), the edit, the tombstone.
    await bobPage.reload();
    await bobPage.locator('#connection', { hasText: 'online' }).waitFor();
    await bobPage.locator('[data-testid="conversation"] button', { hasText: alice.username }).click();
    const reloaded = message(bobPage, `the ${word} in private`);
    await reloaded.locator('[data-testid="note"]', { hasText: '👍 1' }).waitFor();
    await expect(reloaded.locator('button[data-action="react"]').getAttribute('aria-pressed')).resolves.toBe('true');
    await message(bobPage, 'corrected text').locator('[data-testid="note"]', { hasText: 'edited' }).waitFor();
    await bobPage.locator('[data-testid="message"] [data-testid="note"]', { hasText: 'message deleted' }).waitFor();
    await expect(message(bobPage, 'to be removed').count()).resolves.toBe(0);

    // Pressing the toggle again removes the reaction (not a second add refused with 409); Alice's count goes.
    await reloaded.locator('button[data-action="react"]').press('Enter');
    await alicePage.waitForFunction((text) => {
      const row = Array.from(document.querySelectorAll('[data-testid="message"]')).find((li) => li.querySelector('span.text')?.textContent === text);
      return row !== undefined && !(row.querySelector('[data-testid="note"]')?.textContent ?? '').includes('👍');
    }, `the ${word} in private`);
    await expect(reloaded.locator('button[data-action="react"]').getAttribute('aria-pressed')).resolves.toBe('false');
    await expect(bobPage.locator('[data-testid="banner"]').textContent()).resolves.toBe('');
    expect(await accessibilityProblems(bobPage)).toEqual([]);
    expect(await horizontalOverflow(bobPage)).toBeLessThanOrEqual(0);
  });
});
