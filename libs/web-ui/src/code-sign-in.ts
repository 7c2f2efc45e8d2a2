import { ParleyApiError } from '@parley/client';
import { byId, errorText, show } from './dom';
import { Session } from './session';

/**
 * The page's "sign in with a code" form (docs/adr/0012): send a code by e-mail or SMS, then sign
 * in with it. The server checks every field; its answers are shown as they come.
 */
export function bindCodeSignIn(session: Session, onSignedIn: () => Promise<void>): void {
  const channel = byId<HTMLSelectElement>('code-channel');
  const destination = byId<HTMLInputElement>('code-destination');
  const code = byId<HTMLInputElement>('code-value');
  const verify = byId<HTMLButtonElement>('code-verify');
  const status = byId('code-status');
  const selected = () => (channel.value === 'sms' ? 'sms' : 'email');

  channel.addEventListener('change', () => {
    destination.autocomplete = selected() === 'sms' ? 'tel' : 'email';
  });

  byId('code-send').addEventListener('click', () => {
    void (async () => {
      status.textContent = '';
      const to = destination.value.trim();
      if (!to) {
        status.textContent = 'Enter an e-mail address or a phone number (+ and country code).';
        return;
      }
      try {
        const validFor = await session.requestCode(selected(), to);
        show(code, true);
        show(verify, true);
        code.focus();
        status.textContent = `A code is on its way. It is valid for ${Math.round(validFor / 60)} minutes.`;
      } catch (e) {
        status.textContent = e instanceof ParleyApiError && e.code === 'RATE_LIMITED' ? `Too many codes. Try again in ${e.retryAfter ?? 60} seconds.` : errorText(e);
      }
    })();
  });

  byId<HTMLFormElement>('code-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      status.textContent = '';
      try {
        await session.verifyCode(selected(), destination.value.trim(), code.value.trim());
      } catch (err) {
        status.textContent = err instanceof ParleyApiError && err.code === 'UNAUTHENTICATED' ? 'That code is wrong or has expired. Ask for a new one.' : errorText(err);
        return;
      }
      code.value = '';
      show(code, false);
      show(verify, false);
      await onSignedIn();
    })();
  });
}
