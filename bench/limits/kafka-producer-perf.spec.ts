import { configuredTopicSettings, parleyLikeProducerProps, parseTopicDescription } from './kafka-producer-perf';

describe('kafka producer perf settings', () => {
  const described = [
    'Topic: parley.ingress.v1\tTopicId: BoCERAiiR6OGkZL3IQk_HQ\tPartitionCount: 16\tReplicationFactor: 1\tConfigs: min.insync.replicas=1,unclean.leader.election.enable=false',
    '\tTopic: parley.ingress.v1\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ',
  ].join('\n');

  it('copies partitions, replication and min.insync.replicas from the live topic', () => {
    expect(parseTopicDescription(described, 'parley.ingress.v1')).toEqual({
      partitions: 16,
      replicationFactor: 1,
      minInsyncReplicas: 1,
      source: 'live topic parley.ingress.v1',
    });
  });

  it('leaves min.insync.replicas to the broker when the topic does not set it, and finds nothing for another topic', () => {
    const plain = 'Topic: t\tTopicId: x\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: ';
    expect(parseTopicDescription(plain, 't')).toMatchObject({ partitions: 3, replicationFactor: 3, minInsyncReplicas: null });
    expect(parseTopicDescription(described, 'parley.events.v1')).toBeNull();
    expect(parseTopicDescription('Error while executing topic command', 'parley.ingress.v1')).toBeNull();
  });

  it("falls back to Parley's configured partitions and replication, validated", () => {
    expect(configuredTopicSettings({})).toMatchObject({ partitions: 16, replicationFactor: 1 });
    expect(configuredTopicSettings({ PARLEY_LOG_PARTITIONS: '8', PARLEY_KAFKA_REPLICATION_FACTOR: '3' })).toMatchObject({ partitions: 8, replicationFactor: 3 });
    expect(() => configuredTopicSettings({ PARLEY_LOG_PARTITIONS: 'many' })).toThrow(/PARLEY_LOG_PARTITIONS/);
  });

  it("keeps Parley's producer guarantees: acks=all, idempotent, one request in flight", () => {
    const props = parleyLikeProducerProps('127.0.0.1:9092');
    expect(props).toEqual(expect.arrayContaining(['bootstrap.servers=127.0.0.1:9092', 'acks=all', 'enable.idempotence=true', 'max.in.flight.requests.per.connection=1']));
  });
});
