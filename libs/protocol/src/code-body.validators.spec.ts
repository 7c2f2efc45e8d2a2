import { validateCodeRequest, validateCodeVerify } from './code-body.validators';

describe('one-time-code bodies', () => {
  it('accepts a phone number in E.164 or an e-mail address, by channel', () => {
    expect(validateCodeRequest({ channel: 'sms', destination: '+447700900123' })).toEqual({ ok: true, value: { channel: 'sms', destination: '+447700900123' } });
    expect(validateCodeRequest({ channel: 'email', destination: 'Ada@Example.test' })).toEqual({ ok: true, value: { channel: 'email', destination: 'Ada@Example.test' } });
    expect(validateCodeVerify({ channel: 'sms', destination: '+15551230001', code: '012345' })).toEqual({ ok: true, value: { channel: 'sms', destination: '+15551230001', code: '012345' } });
  });

  it('refuses everything else with a clear message', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'body must be a JSON object'],
      [[], 'body must be a JSON object'],
      [{ channel: 'fax', destination: '+447700900123' }, 'body.channel must be one of sms, email'],
      [{ channel: 'sms', destination: '07700900123' }, 'body.destination must be a phone number in E.164 form, e.g. +447700900123'],
      [{ channel: 'sms', destination: 'ada@example.test' }, 'body.destination must be a phone number in E.164 form, e.g. +447700900123'],
      [{ channel: 'email', destination: 'ada@example.test\r\nBcc: eve@example.test' }, 'body.destination must be an e-mail address (matched case-insensitively)'],
      [{ channel: 'email', destination: '"ada"@example.test' }, 'body.destination must be an e-mail address (matched case-insensitively)'],
      [{ channel: 'sms' }, 'body.destination is required'],
      [{ channel: 'sms', destination: '+447700900123', extra: 1 }, 'body: unknown field extra'],
    ];
    for (const [input, message] of cases) expect(validateCodeRequest(input)).toEqual({ ok: false, message });
    expect(validateCodeVerify({ channel: 'sms', destination: '+447700900123', code: '12345' })).toEqual({ ok: false, message: 'body.code must NOT have fewer than 6 characters' });
    expect(validateCodeVerify({ channel: 'sms', destination: '+447700900123', code: '12345a' })).toEqual({ ok: false, message: 'body.code must be the 6 to 10 digits received' });
    expect(validateCodeVerify({ channel: 'email', destination: 'ada@example.test' })).toEqual({ ok: false, message: 'body.code is required' });
  });
});
