/**
 * The chat page as two people use it: two headless Chromium pages (separate browser contexts, so
 * separate localStorage) register, start a direct conversation by username and exchange messages.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or PARLEY_CHROMIUM): test/run-all.sh installs it.
 * The page is dist/web/, which `npm run build` bundles and the gateway serves at `/`.
 */
import { type Page } from 'playwright-core';
import { useChromium } from '../support/chromium';
import { e2eTest, useParley } from '../support/suite';
import { uniqueUsername } from '../support/users';

/** Bound for one UI step (a click's effect reaching the other page). */
const STEP_MS = 20_000;

const parley = useParley();

describe('chat page in a browser', () => {
  const browser = useChromium();

  async function openPage(): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(parley.current.baseUrl + '/');
    expect(problems).toEqual([]);
    return page;
  }

  async function register(page: Page, username: string): Promise<void> {
    await page.fill('#username', username);
    await page.fill('#password', 'correct horse battery');
    await page.click('#register');
    await page.locator('#chat-view').waitFor({ state: 'visible' });
    await expect(page.locator('#me').textContent()).resolves.toBe(username);
    await page.locator('#connection', { hasText: 'online' }).waitFor();
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.fill('#composer', text);
    await page.click('#send');
    // Persisted: the server gave it a seq.
    await page.locator('.message.mine[data-seq]', { hasText: text }).waitFor();
  }

  e2eTest('two people register, start a direct chat by username and see each other’s messages', async () => {
    const aliceName = uniqueUsername('alice');
    const bobName = uniqueUsername('bob');
    const alice = await openPage();
    const bob = await openPage();
    await register(alice, aliceName);
    await register(bob, bobName);

    // Alice starts the conversation by Bob's username and writes first.
    await alice.fill('#direct-username', bobName);
    await alice.click('#new-direct');
    await alice.locator('#conversation-title', { hasText: bobName }).waitFor();
    await send(alice, 'Hello Bob, this is Alice');

    // Bob sees a new conversation with one unread message, opens it and reads it.
    const bobsConversation = bob.locator('[data-testid="conversation"]', { hasText: aliceName });
    await bobsConversation.locator('[data-testid="unread"]', { hasText: '1' }).waitFor();
    await bobsConversation.click();
    const received = bob.locator('.message:not(.mine)', { hasText: 'Hello Bob, this is Alice' });
    await received.waitFor();
    await bobsConversation.locator('[data-testid="unread"]').waitFor({ state: 'detached' });

    // Bob answers; Alice, whose conversation is open, sees it live.
    await send(bob, 'Hi Alice! Bob here');
    await alice.locator('.message:not(.mine)', { hasText: 'Hi Alice! Bob here' }).waitFor();

    // Each page shows the whole conversation in the same order.
    const aliceTexts = await alice.locator('#messages .message .text').allTextContents();
    const bobTexts = await bob.locator('#messages .message .text').allTextContents();
    expect(aliceTexts).toEqual(['Hello Bob, this is Alice', 'Hi Alice! Bob here']);
    expect(bobTexts).toEqual(aliceTexts);

    // A reload keeps Alice signed in (tokens in localStorage) and shows the history again.
    await alice.reload();
    await alice.locator('#chat-view').waitFor({ state: 'visible' });
    await alice.locator('[data-testid="conversation"]', { hasText: bobName }).click();
    await alice.locator('.message:not(.mine)', { hasText: 'Hi Alice! Bob here' }).waitFor();
  });
});
