import { loadConfig } from '@parley/config';
import { renderChart, repoRoot } from './test/helm';
import { container, envOf, find, helmFailsIn, kinds, parse, processEnv } from './test/k8s-objects';

/**
 * The chart's attachments (S3) and one-time-code sign-in (Twilio, SMTP) sections, rendered by a
 * real helm: the settings reach the processes that use them (read back through loadConfig, as the
 * process would), credentials only as secretKeyRefs, nothing where it is not used.
 */
describe('charts/parley: attachments on S3 and one-time-code sign-in', () => {
  const root = repoRoot();
  const helmFails = (set: string[]) => helmFailsIn(root, set);
  const names = (objects: ReturnType<typeof parse>, deployment: string) => envOf(find(objects, 'Deployment', deployment)).map((e) => e.name);

  it('sets nothing by default: attachments and code sign-in stay off', () => {
    const objects = parse(renderChart({}, root));
    for (const d of ['gateway', 'auth', 'messaging', 'presence', 'fanout', 'notification']) {
      expect(names(objects, `parley-${d}`).filter((n) => n.startsWith('PARLEY_S3_') || n.startsWith('PARLEY_OTP_'))).toEqual([]);
    }
    const auth = loadConfig(processEnv(objects, find(objects, 'Deployment', 'parley-auth'), '10.1.2.3'));
    expect(auth.otp).toMatchObject({ smsProvider: 'none', emailProvider: 'none' });
  });

  it('gives the gateways and the setup Job the S3 settings, with the key pair from an existing Secret', () => {
    const objects = parse(
      renderChart(
        {
          set: [
            'attachments.s3.existingSecret=parley-s3',
            'attachments.s3.endpoint=http://s3.storage:8333',
            'attachments.s3.publicEndpoint=https://files.example.com',
            'attachments.s3.region=eu-west-1',
            'attachments.s3.bucket=chat-files',
            'attachments.s3.forcePathStyle=false',
          ],
        },
        root,
      ),
    );
    const gateway = find(objects, 'Deployment', 'parley-gateway');
    const config = loadConfig(processEnv(objects, gateway, '10.1.2.3'));
    expect(config.attachments.s3).toEqual({
      endpoint: 'http://s3.storage:8333',
      publicEndpoint: 'https://files.example.com',
      region: 'eu-west-1',
      bucket: 'chat-files',
      accessKeyId: 'secret:parley-s3/access-key-id',
      secretAccessKey: 'secret:parley-s3/secret-access-key',
      forcePathStyle: false,
    });
    const setup = find(objects, 'Job', 'parley-setup');
    const setupEnv = Object.fromEntries(container(setup).env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(setupEnv).toMatchObject({ PARLEY_S3_ENDPOINT: 'http://s3.storage:8333', PARLEY_S3_BUCKET: 'chat-files' });
    expect(container(setup).env.find((e: { name: string }) => e.name === 'PARLEY_S3_SECRET_ACCESS_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'parley-s3', key: 'secret-access-key' } });
    for (const d of ['auth', 'messaging', 'presence', 'fanout', 'notification']) expect(names(objects, `parley-${d}`).filter((n) => n.startsWith('PARLEY_S3_'))).toEqual([]);
    expect(kinds(objects)).not.toContain('Secret');
  });

  it('gives the auth pods Twilio and SMTP settings, secrets from existing Secrets and the SMTP CA mounted read-only', () => {
    const objects = parse(
      renderChart(
        {
          set: [
            'otp.sms.provider=twilio',
            'otp.sms.twilio.accountSid=AC0123456789abcdef0123456789abcdef',
            'otp.sms.twilio.from=MG0123456789abcdef0123456789abcdef',
            'otp.sms.twilio.existingSecret=parley-twilio',
            'otp.email.provider=smtp',
            'otp.email.smtp.host=smtp.example.com',
            'otp.email.smtp.port=465',
            'otp.email.smtp.tls=implicit',
            'otp.email.smtp.from=Parley <no-reply@example.com>',
            'otp.email.smtp.user=parley',
            'otp.email.smtp.existingSecret=parley-smtp',
            'otp.email.smtp.caSecret=smtp-ca',
            'otp.pepper.existingSecret=parley-otp-pepper-secret',
          ],
        },
        root,
      ),
    );
    const auth = find(objects, 'Deployment', 'parley-auth');
    const otp = loadConfig(processEnv(objects, auth, '10.1.2.3')).otp;
    expect(otp).toMatchObject({
      smsProvider: 'twilio',
      emailProvider: 'smtp',
      twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', from: 'MG0123456789abcdef0123456789abcdef', authToken: 'secret:parley-twilio/auth-token', apiUrl: 'https://api.twilio.com' },
      smtp: { host: 'smtp.example.com', port: 465, tls: 'implicit', from: 'Parley <no-reply@example.com>', user: 'parley', password: 'secret:parley-smtp/password', caFile: '/etc/parley/tls/smtp/ca.crt' },
      codes: { pepper: 'secret:parley-otp-pepper-secret/pepper' },
    });
    expect(container(auth).volumeMounts).toEqual(expect.arrayContaining([{ name: 'smtp-ca', mountPath: '/etc/parley/tls/smtp', readOnly: true }]));
    expect(auth.spec.template.spec.volumes).toEqual(expect.arrayContaining([{ name: 'smtp-ca', secret: { secretName: 'smtp-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }]));
    for (const d of ['gateway', 'messaging', 'presence', 'fanout', 'notification']) expect(names(objects, `parley-${d}`).filter((n) => n.startsWith('PARLEY_OTP_'))).toEqual([]);
    expect(kinds(objects)).not.toContain('Secret');
  });

  it('refuses incomplete or unsafe settings', () => {
    expect(helmFails(['attachments.s3.existingSecret=parley-s3'])).toMatch(/attachments.s3.existingSecret needs attachments.s3.endpoint/);
    expect(helmFails(['attachments.s3.bucket=Not_A_Bucket'])).toMatch(/bucket/);
    expect(helmFails(['otp.sms.provider=twilio'])).toMatch(/otp.sms.provider=twilio needs/);
    expect(helmFails(['otp.sms.provider=dev-log'])).toMatch(/provider/);
    expect(helmFails(['otp.email.provider=smtp', 'otp.email.smtp.host=smtp.example.com'])).toMatch(/otp.email.provider=smtp needs/);
    expect(helmFails(['otp.email.provider=smtp', 'otp.email.smtp.host=h', 'otp.email.smtp.from=a@b.c', 'otp.email.smtp.user=u'])).toMatch(/needs otp.email.smtp.existingSecret/);
    expect(helmFails(['config.extraEnv.PARLEY_S3_SECRET_ACCESS_KEY=inline'])).toMatch(/set by the chart itself/);
    expect(helmFails(['config.extraEnv.PARLEY_OTP_TWILIO_AUTH_TOKEN=inline'])).toMatch(/set by the chart itself/);
  });
});
