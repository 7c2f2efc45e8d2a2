import { readFileSync } from 'node:fs';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { SmtpEmailSender, TwilioSmsSender } from '@parley/adapters';
import { OtpConfig } from '@parley/config';
import { Logger, LOGGER } from '@parley/observability';
import { CODE_SENDERS, CodeSender, CodeSenders, DevLogCodeSender } from '@parley/ports';

/**
 * The one-time-code senders the configuration asks for (docs/adr/0012): Twilio for sms, SMTP for
 * email, the dev-only logging sender (refused in mesh mode by the config), or none (channel off).
 */
export function openCodeSenders(otp: OtpConfig, logger: Logger): CodeSenders & { closeAll(): Promise<void> } {
  const senders: CodeSenders = {};
  const devLog = () => new DevLogCodeSender((msg, fields) => logger.warn(msg, fields));
  if (otp.smsProvider === 'twilio') {
    senders.sms = new TwilioSmsSender({ accountSid: otp.twilio.accountSid, authToken: otp.twilio.authToken, from: otp.twilio.from, baseUrl: otp.twilio.apiUrl });
  } else if (otp.smsProvider === 'dev-log') senders.sms = devLog();
  if (otp.emailProvider === 'smtp') {
    const s = otp.smtp;
    senders.email = new SmtpEmailSender({ host: s.host, port: s.port, tls: s.tls, user: s.user, password: s.password, from: s.from, ...(s.caFile ? { ca: [readFileSync(s.caFile, 'utf8')] } : {}) });
  } else if (otp.emailProvider === 'dev-log') senders.email = devLog();
  logger.info('code sign-in', { sms: senders.sms?.name ?? 'off', email: senders.email?.name ?? 'off' });
  return {
    ...senders,
    async closeAll() {
      for (const s of new Set(Object.values(senders) as CodeSender[])) await s.close();
    },
  };
}

@Injectable()
class CodeSendersCloser implements OnApplicationShutdown {
  constructor(@Inject(CODE_SENDERS) private readonly senders: ReturnType<typeof openCodeSenders>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.senders.closeAll();
  }
}

/** CODE_SENDERS for the process that runs the auth service (needs LOGGER); closed at shutdown. */
@Global()
@Module({})
export class CodeSendersModule {
  static forRoot(otp: OtpConfig): DynamicModule {
    return {
      module: CodeSendersModule,
      providers: [
        { provide: CODE_SENDERS, inject: [LOGGER], useFactory: (logger: Logger) => openCodeSenders(otp, logger.child({ component: 'codes' })) },
        CodeSendersCloser,
      ],
      exports: [CODE_SENDERS],
    };
  }
}
