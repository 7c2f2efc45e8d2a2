import { CodeMessage } from '@parley/ports';
import { FakeTwilioServer } from '../testing/otp/fake-twilio.server';
import { TwilioSmsSender } from './twilio-sms.sender';

/** The Twilio adapter (fetch, Basic auth, form body, Twilio's error JSON) against a local fake of the Messages API. */
describe('TwilioSmsSender (local fake of the Twilio Messages API)', () => {
  let twilio: FakeTwilioServer;
  let sender: TwilioSmsSender;
  const message: CodeMessage = { channel: 'sms', to: '+447700900123', code: '482913', ttlSeconds: 300 };

  beforeAll(async () => {
    twilio = await new FakeTwilioServer().start();
    sender = new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+15005550006', baseUrl: twilio.baseUrl });
  });
  afterAll(() => twilio.stop());

  it('sends the code as a form-encoded message with Basic auth and returns the message sid', async () => {
    const outcome = await sender.send(message);
    expect(outcome).toEqual({ status: 'sent', id: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    const sent = twilio.messages.at(-1)!;
    expect(sent).toMatchObject({ accountSid: twilio.accountSid, to: '+447700900123', from: '+15005550006', messagingServiceSid: null });
    expect(sent.body).toBe('Your Parley sign-in code is 482913. It expires in 5 minutes. Never share it with anyone.');
    expect(twilio.codesTo('+447700900123')).toEqual(['482913']);
  });

  it('uses MessagingServiceSid when the sender is a messaging service', async () => {
    const viaService = new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: 'MG0123456789abcdef0123456789abcdef', baseUrl: twilio.baseUrl });
    expect((await viaService.send({ ...message, to: '+15551230001' })).status).toBe('sent');
    expect(twilio.messages.at(-1)).toMatchObject({ from: null, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
  });

  it('maps Twilio errors: a bad destination is rejected; bad credentials, throttling and 5xx are unavailable', async () => {
    const before = twilio.messages.length;
    expect(await sender.send({ ...message, to: '+1' })).toEqual({ status: 'rejected', reason: expect.stringContaining('twilio 400 (21211)') });
    twilio.failNext(400, 21614, "'To' number is not a valid mobile number");
    expect((await sender.send(message)).status).toBe('rejected');
    twilio.failNext(429, 20429, 'Too Many Requests');
    expect(await sender.send(message)).toEqual({ status: 'unavailable', reason: 'twilio 429 (20429): Too Many Requests' });
    twilio.failNext(503, 20500, 'Service unavailable');
    expect((await sender.send(message)).status).toBe('unavailable');
    const wrongToken = new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: 'not-the-token', from: '+15005550006', baseUrl: twilio.baseUrl });
    const unauthorizedBefore = twilio.unauthorized;
    expect(await wrongToken.send(message)).toEqual({ status: 'unavailable', reason: 'twilio 401 (20003): Authenticate' });
    expect(twilio.unauthorized).toBe(unauthorizedBefore + 1);
    expect(twilio.messages.length).toBe(before);
  });

  it('reports an unreachable API as unavailable, within its timeout', async () => {
    const down = new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+15005550006', baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 });
    expect((await down.send(message)).status).toBe('unavailable');
  });

  it('refuses malformed settings at construction', () => {
    expect(() => new TwilioSmsSender({ accountSid: 'nope', authToken: 't', from: '+1555' })).toThrow(/account SID/);
    expect(() => new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: '', from: '+1555' })).toThrow(/auth token/);
  });
});
