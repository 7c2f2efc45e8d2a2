import { backoffMs, CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens after the cool-down with one trial, closes on success', () => {
    let t = 0;
    const b = new CircuitBreaker(3, 1000, () => t);
    b.failure();
    b.failure();
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    expect(b.retryInMs()).toBe(1000);
    t = 1000;
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false); // one trial at a time
    b.failure();
    expect(b.state).toBe('open');
    t = 2000;
    expect(b.allow()).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });
});

describe('backoffMs', () => {
  it('grows exponentially with full jitter, capped', () => {
    expect(backoffMs(0, 500, 60_000, undefined, () => 1)).toBe(500);
    expect(backoffMs(3, 500, 60_000, undefined, () => 1)).toBe(4000);
    expect(backoffMs(3, 500, 60_000, undefined, () => 0.5)).toBe(2000);
    expect(backoffMs(20, 500, 60_000, undefined, () => 1)).toBe(60_000);
  });

  it('never retries before Retry-After', () => {
    expect(backoffMs(0, 500, 60_000, 30_000, () => 0.1)).toBe(30_000);
  });
});
