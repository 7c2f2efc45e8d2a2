/**
 * A call through the page: two headless Chromium pages with fake media devices (no camera, no
 * permission prompt) register, open a direct chat, and one calls the other with the page's call
 * button. The RTCPeerConnection reaches `connected` over loopback (host candidates, no STUN or
 * TURN), hang-up ends it on both pages, and the call's summary appears in the conversation.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or PARLEY_CHROMIUM), like chat.browser.e2e.ts.
 */
import { type Page } from 'playwright-core';
import { useChromium } from '../support/chromium';
import { e2eTest, useParley } from '../support/suite';
import { uniqueUsername } from '../support/users';

const STEP_MS = 20_000;

const parley = useParley();

describe('calls in the browser', () => {
  const browser = useChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);

  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(parley.current.baseUrl + '/');
    return { page, problems };
  }

  async function register(page: Page, username: string): Promise<void> {
    await page.fill('#username', username);
    await page.fill('#password', 'correct horse battery');
    await page.click('#register');
    await page.locator('#chat-view').waitFor({ state: 'visible' });
    await page.locator('#connection', { hasText: 'online' }).waitFor();
  }

  e2eTest('one page calls the other: ring, accept, the peer connection is connected, hang-up, summary', async () => {
    const aliceName = uniqueUsername('alice');
    const bobName = uniqueUsername('bob');
    const alice = await openPage();
    const bob = await openPage();
    await register(alice.page, aliceName);
    await register(bob.page, bobName);

    await alice.page.fill('#direct-username', bobName);
    await alice.page.click('#new-direct');
    await alice.page.locator('#conversation-title', { hasText: bobName }).waitFor();
    await bob.page.locator('[data-testid="conversation"]', { hasText: aliceName }).waitFor();

    await alice.page.click('[data-testid="call-video"]');
    await alice.page.locator('[data-testid="call-status"]', { hasText: 'ringing' }).waitFor();
    await bob.page.locator('[data-testid="call-status"]', { hasText: `incoming video call from` }).waitFor();
    await bob.page.click('[data-testid="call-accept"]');

    for (const p of [alice.page, bob.page]) {
      await p.locator('[data-testid="call-panel"][data-peer-state="connected"]').waitFor();
      await p.locator('[data-testid="remote-media"]').waitFor({ state: 'attached' });
    }
    // Media really flows: the remote video element gets frames from the fake camera.
    await bob.page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="remote-media"]');
      return v !== null && v.videoWidth > 0;
    });

    await alice.page.click('[data-testid="call-hangup"]');
    for (const p of [alice.page, bob.page]) {
      await p.locator('[data-testid="call-status"]', { hasText: 'call ended' }).waitFor();
      await p.locator('[data-testid="call-panel"]').waitFor({ state: 'hidden' });
    }
    // The summary lands in the conversation as a message (Bob opens it to see it).
    await bob.page.locator('[data-testid="conversation"]', { hasText: aliceName }).click();
    await bob.page.locator('.message .text', { hasText: /^Video call · \d+:\d\d$/ }).waitFor();
    await alice.page.locator('.message .text', { hasText: /^Video call · \d+:\d\d$/ }).waitFor();
    expect([...alice.problems, ...bob.problems]).toEqual([]);
  });
});
