import { KafkaEventLog } from './kafka-event-log.adapter';

/** Options refused before any connection is tried (nothing listens on port 1). */
describe('KafkaEventLog options', () => {
  const brokers = ['127.0.0.1:1'];

  it('takes SCRAM only, with both credentials', async () => {
    await expect(KafkaEventLog.connect({ brokers, sasl: { mechanism: 'plain' as never, username: 'u', password: 'p' } })).rejects.toThrow(/scram-sha-256 or scram-sha-512/);
    await expect(KafkaEventLog.connect({ brokers, sasl: { mechanism: 'scram-sha-512', username: 'u', password: '' } })).rejects.toThrow(/username and a password/);
  });

  it('takes a name prefix of topic-name characters only', async () => {
    await expect(KafkaEventLog.connect({ brokers, namePrefix: 'a/b' })).rejects.toThrow(/namePrefix/);
  });
});
