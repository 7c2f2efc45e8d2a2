import { join } from 'node:path';
import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@parley/auth-service';
import { ParleyConfig } from '@parley/config';
import { FanoutModule } from '@parley/fanout-service';
import { GatewayModule, gatewayOptionsFrom } from '@parley/gateway-service';
import { MessagingModule } from '@parley/messaging-service';
import { NotificationModule, notificationOptionsFrom } from '@parley/notification-service';
import { PresenceModule } from '@parley/presence-service';
import { CodeSendersModule } from '@parley/runtime';
import { StandaloneInfraModule } from './standalone-infra.module';

/** All six services in one process, wired in-process, on the embedded adapters. */
@Module({})
export class StandaloneModule {
  static forRoot(config: ParleyConfig, webDir: string): DynamicModule {
    const largeGroup = config.largeGroup;
    return {
      module: StandaloneModule,
      imports: [
        StandaloneInfraModule.forRoot(config),
        CodeSendersModule.forRoot(config.otp),
        AuthModule.register(config.auth),
        MessagingModule.register({ largeGroup, runSequencer: true, claimWindowHours: config.messaging.claimWindowHours, anonRejoinWindowSeconds: config.messaging.anonRejoinWindowSeconds }),
        PresenceModule.register({ connectionTtlMs: config.presence.connectionTtlMs }),
        FanoutModule,
        NotificationModule.register(notificationOptionsFrom(config)),
        GatewayModule.register(gatewayOptionsFrom(config, config.gatewayId, webDir)),
      ],
    };
  }

  /** The built web page: dist/web beside dist/apps. */
  static defaultWebDir(): string {
    return join(__dirname, '..', '..', '..', 'web');
  }
}
