import { ParleyApiError } from '@parley/client';
import { byId, errorText } from './dom';
import { Session } from './session';

/** The username and password form: "Log in" submits it, "Create account" registers. */
export function bindPasswordSignIn(session: Session, enterChat: () => Promise<void>): void {
  byId<HTMLFormElement>('auth-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void authenticate(session, enterChat, 'login');
  });
  byId('register').addEventListener('click', () => void authenticate(session, enterChat, 'register'));
}

async function authenticate(session: Session, enterChat: () => Promise<void>, mode: 'login' | 'register'): Promise<void> {
  const username = byId<HTMLInputElement>('username').value.trim();
  const password = byId<HTMLInputElement>('password').value;
  const errorBox = byId('auth-error');
  errorBox.textContent = '';
  if (!username || !password) {
    errorBox.textContent = 'Enter a username and a password.';
    return;
  }
  // The server checks the form of a new username and password; its 400 names what is wrong.
  try {
    if (mode === 'register') await session.register(username, password);
    else await session.login(username, password);
  } catch (e) {
    errorBox.textContent = e instanceof ParleyApiError && e.code === 'CONFLICT' ? 'That username is taken.' : errorText(e);
    return;
  }
  byId<HTMLInputElement>('password').value = '';
  await enterChat();
}
