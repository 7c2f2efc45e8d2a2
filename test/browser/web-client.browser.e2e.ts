/**
 * The chat page as a reference client (issue 13, Deliver 5): Alice on a desktop-wide page (1280 px),
 * Bob on a phone-wide one (375 px). Checks the layout (no horizontal overflow, Send visible),
 * keyboard use (the conversation list in the tab order, Enter/Space open, Enter sends), the ARIA live
 * region, timestamps and previews, read receipts after a reload, and edit, delete, react and reply;
 * axe-core finds no serious or critical accessibility violation at either width.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or PARLEY_CHROMIUM), as the other browser tests.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { type Page, type WebSocketRoute } from 'playwright-core';
import { useChromium } from '../support/chromium';
import { e2eTest, useParley } from '../support/suite';
import { uniqueUsername } from '../support/users';

const STEP_MS = 20_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 720 };

const parley = useParley();

describe('the chat page as a reference client, at 1280 px and at 375 px', () => {
  const browser = useChromium();

  async function openPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
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
    await page.locator('#connection', { hasText: 'online' }).waitFor();
  }

  /** axe-core's serious and critical findings (WCAG 2 A and AA rules), as "rule: target" lines. */
  async function accessibilityProblems(page: Page): Promise<string[]> {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.passes.length).toBeGreaterThan(0); // axe did run its rules on this page
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  }

  async function horizontalOverflow(page: Page): Promise<number> {
    return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  }

  async function sendWithEnter(page: Page, text: string): Promise<void> {
    await page.locator('#composer').fill(text);
    await page.locator('#composer').press('Enter');
    await page.locator('.message.mine[data-seq]', { hasText: text }).waitFor();
  }

  /** The message whose own text is exactly `text` (a reply's quote of it does not count). */
  const message = (page: Page, text: string) =>
    page.locator('[data-testid="message"]').filter({ has: page.locator('span.text', { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });

  e2eTest('a desktop and a phone user chat by keyboard, edit, react, reply and delete; the page stays accessible', async () => {
    const aliceName = uniqueUsername('alice');
    const bobName = uniqueUsername('bob');
    const alice = await openPage(DESKTOP);
    const bob = await openPage(PHONE);
    // Bob's WebSocket runs through Playwright to the real gateway, so the test can cut it.
    const bobsSockets: WebSocketRoute[] = [];
    let refuseBobsSocket = false;
    await bob.routeWebSocket(/\/v1\/ws/, async (socket) => {
      if (refuseBobsSocket) return socket.close({ code: 1012, reason: 'test: still down' });
      bobsSockets.push(socket);
      socket.connectToServer();
    });

    // The sign-in page: accessible and no wider than the phone.
    expect(await accessibilityProblems(bob)).toEqual([]);
    expect(await horizontalOverflow(bob)).toBeLessThanOrEqual(0);
    await register(alice, aliceName);
    await register(bob, bobName);
    expect(await accessibilityProblems(alice)).toEqual([]);
    expect(await accessibilityProblems(bob)).toEqual([]);

    await alice.fill('#direct-username', bobName);
    await alice.locator('#direct-username').press('Enter');
    await alice.locator('#conversation-title', { hasText: bobName }).waitFor();
    await sendWithEnter(alice, 'First from Alice');
    await sendWithEnter(alice, 'Second from Alice');
    await expect(message(alice, 'First from Alice').locator('[data-testid="time"]').textContent()).resolves.toMatch(/\d/);

    // Bob, on the phone, sees the list with a preview; the conversation button is next in the tab order.
    const row = bob.locator('[data-testid="conversation"]', { hasText: aliceName });
    await row.locator('[data-testid="preview"]', { hasText: 'Second from Alice' }).waitFor();
    await bob.locator('#new-group').focus();
    await bob.keyboard.press('Tab');
    await expect(bob.evaluate(() => document.activeElement?.closest('[data-testid="conversation"]') !== null)).resolves.toBe(true);
    await bob.keyboard.press('Enter');
    await message(bob, 'Second from Alice').waitFor();
    expect(await horizontalOverflow(bob)).toBeLessThanOrEqual(0);
    const send = await bob.locator('#send').boundingBox();
    expect(send).not.toBeNull();
    expect((send?.x ?? PHONE.width) + (send?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
    expect((send?.y ?? PHONE.height) + (send?.height ?? 0)).toBeLessThanOrEqual(PHONE.height);
    await expect(bob.locator('#send').isVisible()).resolves.toBe(true);
    expect(await accessibilityProblems(bob)).toEqual([]);

    // Alice sees the read receipt live, and again after a reload (from GET .../read-receipts).
    await message(alice, 'Second from Alice').locator('[data-testid="status"]', { hasText: 'read' }).waitFor();
    await alice.reload();
    await alice.locator('[data-testid="conversation"]', { hasText: bobName }).locator('[data-testid="preview"]', { hasText: 'Second from Alice' }).waitFor();
    await alice.locator('[data-testid="conversation"] button', { hasText: bobName }).click();
    await message(alice, 'Second from Alice').locator('[data-testid="status"]', { hasText: 'read' }).waitFor();

    // Bob replies to the first message with the keyboard; Alice's live region announces it.
    await message(bob, 'First from Alice').locator('button[data-action="reply"]').press('Enter');
    await bob.locator('[data-testid="composer-mode"]', { hasText: 'Replying to' }).waitFor();
    await sendWithEnter(bob, 'Bob answers the first');
    await message(alice, 'Bob answers the first').locator('[data-testid="quote"]', { hasText: 'First from Alice' }).waitFor();
    await alice.locator('[data-testid="announcer"]', { hasText: 'Bob answers the first' }).waitFor();

    // A mention of Alice is marked on her page and announced as one.
    await sendWithEnter(bob, `@${aliceName} are you there?`);
    await message(alice, `@${aliceName} are you there?`).locator('[data-testid="mention"]').waitFor();
    await alice.locator('[data-testid="announcer"]', { hasText: 'mentioned you' }).waitFor();

    // Bob attaches a PDF from the phone; Alice downloads the same bytes.
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await bob.locator('#composer').fill('the minutes');
    await bob.setInputFiles('#attach', { name: 'minutes.pdf', mimeType: 'application/pdf', buffer: pdf });
    const attachment = message(alice, 'the minutes').locator('[data-testid="attachment"]');
    await attachment.waitFor();
    const [download] = await Promise.all([alice.waitForEvent('download'), attachment.click()]);
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(pdf)).toBe(true);

    // Alice edits her first message; Bob sees the new text marked as edited.
    await message(alice, 'First from Alice').locator('button[data-action="edit"]').click();
    await expect(alice.locator('#composer').inputValue()).resolves.toBe('First from Alice');
    await alice.locator('#composer').fill('First from Alice, corrected');
    await alice.locator('#composer').press('Enter');
    await message(bob, 'First from Alice, corrected').locator('[data-testid="note"]', { hasText: 'edited' }).waitFor();

    // Bob reacts with Space on the button; Alice sees the count. Alice deletes her second message.
    await message(bob, 'Second from Alice').locator('button[data-action="react"]').press(' ');
    await message(alice, 'Second from Alice').locator('[data-testid="note"]', { hasText: '👍 1' }).waitFor();
    await message(alice, 'Second from Alice').locator('button[data-action="delete"]').click();
    await bob.locator('[data-testid="message"] [data-testid="note"]', { hasText: 'message deleted' }).waitFor();
    await expect(message(bob, 'Second from Alice').count()).resolves.toBe(0);

    // Both widths, with every kind of message on screen: still accessible and no overflow on the phone.
    expect(await accessibilityProblems(alice)).toEqual([]);
    expect(await accessibilityProblems(bob)).toEqual([]);
    expect(await horizontalOverflow(bob)).toBeLessThanOrEqual(0);

    // The socket drops and reconnects are refused for a while: the page says so; once a reconnect succeeds, the banner clears by itself.
    refuseBobsSocket = true;
    for (const socket of bobsSockets.splice(0)) await socket.close({ code: 1012, reason: 'test: connection lost' });
    await bob.locator('[data-testid="banner"]', { hasText: 'Connection lost' }).waitFor();
    refuseBobsSocket = false;
    // (#connection sits in the list pane, which the phone layout hides while a conversation is open.)
    await bob.waitForFunction(() => document.getElementById('connection')?.textContent === 'online');
    await expect(bob.locator('[data-testid="banner"]').textContent()).resolves.toBe('');
    expect(bobsSockets.length).toBe(1);

    // Group member management: Alice makes a group with Bob, removes him (his list drops it), adds him back.
    await alice.fill('#group-title', 'Reference team');
    await alice.fill('#group-members', bobName);
    await alice.locator('#group-members').press('Enter');
    await alice.locator('#conversation-title', { hasText: 'Reference team' }).waitFor();
    await alice.locator('#members-toggle').click();
    const bobMember = alice.locator('[data-testid="member"]', { hasText: bobName });
    await bobMember.waitFor();
    expect(await accessibilityProblems(alice)).toEqual([]);
    const bobsGroup = bob.locator('[data-testid="conversation"]', { hasText: 'Reference team' });
    await bob.locator('#back').click();
    await bobsGroup.waitFor();
    await bobMember.getByRole('button', { name: `Remove ${bobName}` }).click();
    await bobMember.waitFor({ state: 'detached' });
    await bobsGroup.waitFor({ state: 'detached' });
    await alice.fill('#member-username', bobName);
    await alice.locator('#member-username').press('Enter');
    await bobMember.waitFor();
    await bobsGroup.waitFor();
    await bob.locator('[data-testid="conversation"] button', { hasText: aliceName }).click();

    // The narrowest supported width, 360 px: still no horizontal overflow, Send still on screen.
    await bob.setViewportSize({ width: 360, height: PHONE.height });
    expect(await horizontalOverflow(bob)).toBeLessThanOrEqual(0);
    const narrowSend = await bob.locator('#send').boundingBox();
    expect((narrowSend?.x ?? 360) + (narrowSend?.width ?? 0)).toBeLessThanOrEqual(360);

    // The phone's back button returns to the list, focused on the conversation.
    await bob.locator('#back').click();
    await row.waitFor({ state: 'visible' });
    await expect(bob.locator('#composer').isVisible()).resolves.toBe(false);
  });
});
