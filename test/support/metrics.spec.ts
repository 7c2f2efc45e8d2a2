import { gatewayMetricsUrls, sampleSum, sampleSumsBy, sampleValues } from './metrics';

const EXPOSITION = [
  '# HELP parley_gateway_ws_closes_total WebSocket connections closed, by close code',
  '# TYPE parley_gateway_ws_closes_total counter',
  'parley_gateway_ws_closes_total{service="gateway",gateway="gw-1",code="4408"} 1',
  'parley_gateway_ws_closes_total{service="gateway",gateway="gw-1",code="1000"} 3',
  'parley_gateway_ws_closes_total{service="gateway",gateway="gw-2",code="4408"} 2',
  'parley_gateway_ws_closes_total_other{code="4408"} 50',
  'nodejs_heap_size_used_bytes 1234',
  'odd_label{reason="a \\"quoted\\" b"} 7',
].join('\n');

describe('metrics (test support)', () => {
  it('sums the samples of one name whose labels match, and only that name', () => {
    expect(sampleSum(EXPOSITION, 'parley_gateway_ws_closes_total', { code: '4408' })).toBe(3);
    expect(sampleSum(EXPOSITION, 'parley_gateway_ws_closes_total')).toBe(6);
    expect(sampleSum(EXPOSITION, 'parley_gateway_ws_closes_total', { code: '4408', gateway: 'gw-2' })).toBe(2);
    expect(sampleSum(EXPOSITION, 'nodejs_heap_size_used_bytes')).toBe(1234);
    expect(sampleSum(EXPOSITION, 'odd_label', { reason: 'a "quoted" b' })).toBe(7);
    expect(sampleSum(EXPOSITION, 'absent_total')).toBe(0);
  });

  it('lists the matching values, none for an absent name', () => {
    expect(sampleValues(EXPOSITION, 'parley_gateway_ws_closes_total', { gateway: 'gw-1' })).toEqual([1, 3]);
    expect(sampleValues(EXPOSITION, 'nodejs_heap_size_used_bytes')).toEqual([1234]);
    expect(sampleValues(EXPOSITION, 'absent_total')).toEqual([]);
  });

  it('sums by one label', () => {
    expect(sampleSumsBy(EXPOSITION, 'parley_gateway_ws_closes_total', 'code')).toEqual({ '4408': 3, '1000': 3 });
  });

  it('picks the gateway processes of either target', () => {
    expect(gatewayMetricsUrls({ standalone: 'http://a/metrics' })).toEqual(['http://a/metrics']);
    expect(gatewayMetricsUrls({ gateway: 'g1', 'gateway-2': 'g2', messaging: 'm', 'messaging-1': 'm1', fanout: 'f' })).toEqual(['g1', 'g2']);
    expect(() => gatewayMetricsUrls({ messaging: 'm' })).toThrow(/no gateway/);
  });
});
