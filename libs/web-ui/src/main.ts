import { ChatApp } from './chat-app';
import { Session } from './session';

/** Entry point of the browser bundle: the gateway serves this page and the API on one origin. */
function boot(): void {
  const baseUrl = window.location.origin;
  const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/v1/ws`;
  let app: ChatApp | null = null;
  const session = new Session(baseUrl, window.localStorage, (reason) => app?.signedOut(reason));
  app = new ChatApp(session, baseUrl, wsUrl);
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
