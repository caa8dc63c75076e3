// When a watch of the stream reports: a stop, a restart or a failure at once; the lag's range and
// the applied position only after their quiet time (a move waiting weeks must not fill its history).
import { describe, expect, it } from 'vitest';
import { healthChanged } from '../../activities/stream/stream-health.js';

const base = { running: true, attempt: 1, appliedPosition: '1-1-5', lagMs: 200 };
const quiet = { lagQuietMs: 600_000, positionQuietMs: 600_000 };

describe('healthChanged', () => {
  it('reports a stop, a new attempt and a failure at once', () => {
    expect(healthChanged(base, { ...base, running: false }, 0, quiet)).toBe(true);
    expect(healthChanged(base, { ...base, attempt: 2 }, 0, quiet)).toBe(true);
    expect(healthChanged(base, { ...base, lastError: 'connect ECONNREFUSED' }, 0, quiet)).toBe(true);
  });

  it('reports the lag and the position only after their quiet time, and the lag only across a range', () => {
    const behind = { ...base, lagMs: 15_000, appliedPosition: '1-1-9' };
    expect(healthChanged(base, behind, 60_000, quiet)).toBe(false);
    expect(healthChanged(base, behind, 600_000, quiet)).toBe(true);
    expect(healthChanged(base, { ...base, lagMs: 900 }, 600_000, { lagQuietMs: 600_000 })).toBe(false);
    expect(healthChanged(base, { ...base, appliedPosition: '1-1-6' }, 600_000, { lagQuietMs: 600_000 })).toBe(false);
    expect(
      healthChanged(base, { ...base, appliedPosition: '1-1-6' }, 5_000, { lagQuietMs: 5_000, positionQuietMs: 5_000 }),
    ).toBe(true);
    expect(healthChanged(base, base, 3_600_000, quiet)).toBe(false);
  });
});
