import { loadConfig } from '@parley/config';
import { renderChart, repoRoot } from './test/helm';
import { container, find, helmFailsIn, kinds, parse, processEnv } from './test/k8s-objects';

/** The chart's push section (docs/notifications.md), rendered by a real helm. */
describe('charts/parley: push notifications', () => {
  const root = repoRoot();
  const helmFails = (set: string[]) => helmFailsIn(root, set);
  let objects: ReturnType<typeof parse>;

  beforeAll(() => {
    objects = parse(renderChart({}, root));
  });

  it('switches push providers on from existing Secrets, mounted read-only as the files the settings name, in the notification pods only', () => {
    const notification = find(objects, 'Deployment', 'parley-notification');
    const off = loadConfig(processEnv(objects, notification, '10.1.2.3'));
    expect(off.push).toMatchObject({ coalesceMs: 2000, outboxMax: 100000, fcm: { credentialsFile: '' }, apns: { keyFile: '' } });
    expect(loadConfig(processEnv(objects, find(objects, 'Deployment', 'parley-gateway'), '10.1.2.3')).grpc.notification).toBe('parley-notification.default.svc.cluster.local:7104');
    const on = parse(
      renderChart(
        { set: ['push.fcm.existingSecret=fcm-sa', 'push.apns.existingSecret=apns-key', 'push.apns.keyId=ABCDEFGHIJ', 'push.apns.teamId=TEAM123456', 'push.apns.topic=com.example.chat', 'push.apns.production=false'] },
        root,
      ),
    );
    const d = find(on, 'Deployment', 'parley-notification');
    const config = loadConfig(processEnv(on, d, '10.1.2.3'));
    expect(config.push.fcm.credentialsFile).toBe('/var/run/parley/push/fcm/service-account.json');
    expect(config.push.apns).toMatchObject({ keyFile: '/var/run/parley/push/apns/AuthKey.p8', keyId: 'ABCDEFGHIJ', teamId: 'TEAM123456', topic: 'com.example.chat', production: false });
    expect(container(d).volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'push-fcm', mountPath: '/var/run/parley/push/fcm', readOnly: true },
        { name: 'push-apns', mountPath: '/var/run/parley/push/apns', readOnly: true },
      ]),
    );
    expect(d.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'push-fcm', secret: { secretName: 'fcm-sa', items: [{ key: 'service-account.json', path: 'service-account.json' }], defaultMode: 0o400 } },
        { name: 'push-apns', secret: { secretName: 'apns-key', items: [{ key: 'AuthKey.p8', path: 'AuthKey.p8' }], defaultMode: 0o400 } },
      ]),
    );
    expect(kinds(on)).not.toContain('Secret');
    expect(container(find(on, 'Deployment', 'parley-gateway')).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(helmFails(['push.apns.existingSecret=apns-key'])).toMatch(/push.apns.existingSecret needs push.apns.keyId/);
    expect(helmFails(['push.apns.keyId=short'])).toMatch(/keyId/);
  });
});
