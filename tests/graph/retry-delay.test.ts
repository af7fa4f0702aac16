import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../../bot/graph/graph-requests';

const NOW = Date.parse('2026-11-27T09:00:00.000Z');
const policy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 180_000 };

describe('retry delays', () => {
  it('when Graph sends Retry-After in seconds, then the wait is that long plus at most 20% jitter (at least 100 ms of room)', () => {
    expect(retryDelayMs('1', 1, policy, NOW, () => 0)).toBe(1_000);
    expect(retryDelayMs('1', 1, policy, NOW, () => 0.999)).toBeCloseTo(1_199.8, 1);
    expect(retryDelayMs('10', 3, policy, NOW, () => 0.5)).toBe(11_000);
  });

  it('when Retry-After is an HTTP date, then the wait runs until that moment', () => {
    expect(retryDelayMs(new Date(NOW + 5_000).toUTCString(), 1, policy, NOW, () => 0)).toBe(5_000);
  });

  it('when there is no Retry-After, then the wait doubles with each attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(null, attempt, policy, NOW, () => 0))).toEqual([2_000, 4_000, 8_000, 16_000]);
  });

  it('when Graph asks for a very long wait, then no single wait exceeds the cap', () => {
    expect(retryDelayMs('3600', 1, DEFAULT_RETRY_POLICY, NOW, () => 0.9)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});
