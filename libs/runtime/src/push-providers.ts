import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { ApnsPushProvider, FcmPushProvider } from '@parley/adapters';
import { PushConfig } from '@parley/config';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Logger, LOGGER } from '@parley/observability';
import { PUSH_PROVIDERS, PushProvider, PushProviders, RecordingPushProvider, SQL_DB, SqlDb } from '@parley/ports';

/**
 * The push providers configuration asks for: FCM with a service-account file, APNs with a .p8
 * key; a platform without credentials gets the recording provider (push_log + the log), so
 * `npm start` needs no credentials. Incomplete credentials fail the boot with the setting's name.
 */
export function openPushProviders(push: PushConfig, db: SqlDb, logger: Logger): PushProviders & { closeAll(): Promise<void> } {
  const recording = new RecordingPushProvider(db.relational(), (msg, fields) => logger.info(msg, fields));
  const ca = push.caFile ? [readFileSync(push.caFile, 'utf8')] : undefined;
  let fcm: PushProvider = recording;
  let apns: PushProvider = recording;
  if (push.fcm.credentialsFile) {
    const httpAgent = ca ? new Agent({ keepAlive: true, ca }) : new Agent({ keepAlive: true });
    fcm = new FcmPushProvider({ credentialsFile: push.fcm.credentialsFile, projectId: push.fcm.projectId || undefined, httpAgent });
    logger.info('push: FCM enabled', { credentials_file: push.fcm.credentialsFile });
  }
  if (push.apns.keyFile) {
    const missing = [['PARLEY_PUSH_APNS_KEY_ID', push.apns.keyId], ['PARLEY_PUSH_APNS_TEAM_ID', push.apns.teamId], ['PARLEY_PUSH_APNS_TOPIC', push.apns.topic]].filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0) throw new Error(`PARLEY_PUSH_APNS_KEY_FILE is set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not`);
    apns = new ApnsPushProvider({
      key: readFileSync(push.apns.keyFile, 'utf8'),
      keyId: push.apns.keyId,
      teamId: push.apns.teamId,
      defaultTopic: push.apns.topic,
      production: push.apns.production,
      address: push.apns.address || undefined,
      ca,
    });
    logger.info('push: APNs enabled', { production: push.apns.production, address: push.apns.address || 'apple' });
  }
  return {
    fcm,
    apns,
    async closeAll() {
      for (const p of new Set([fcm, apns])) await p.close();
    },
  };
}

@Injectable()
class PushProvidersCloser implements OnApplicationShutdown {
  constructor(@Inject(PUSH_PROVIDERS) private readonly providers: ReturnType<typeof openPushProviders>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.providers.closeAll();
  }
}

/** PUSH_PROVIDERS for a mesh notification process (needs SQL_DB and LOGGER); closed at shutdown. */
@Global()
@Module({})
export class PushProvidersModule {
  static forRoot(push: PushConfig): DynamicModule {
    return {
      module: PushProvidersModule,
      providers: [
        { provide: PUSH_PROVIDERS, inject: [SQL_DB, LOGGER], useFactory: (db: SqlDb, logger: Logger) => openPushProviders(push, db, logger.child({ component: 'push' })) },
        PushProvidersCloser,
      ],
      exports: [PUSH_PROVIDERS],
    };
  }
}
