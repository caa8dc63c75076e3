import { describe, expect, it } from 'vitest';
import { admitWithin, type HeldEntry } from '../../activities/stream/hold-admission.js';

const admitted = (queue: HeldEntry[], limit: string) => {
  let i = 0;
  while (i < queue.length && admitWithin(queue, i, limit)) i++;
  return i;
};

describe('a stream held at a source position', () => {
  it('applies the queued transactions up to the position, splitting coalesced ones that straddle it', () => {
    const queue: HeldEntry[] = [
      { ops: ['row'], gtids: ['0-1-5'] },
      // Transactions on other tables, coalesced: 6 is within, 7 is not.
      { ops: [], gtids: ['0-1-6', '0-1-7'] },
      { ops: ['row'], gtids: ['0-1-8'] },
    ];
    expect(admitted(queue, '0-1-6')).toBe(2);
    expect(queue.map((e) => e.gtids)).toEqual([['0-1-5'], ['0-1-6'], ['0-1-7'], ['0-1-8']]);
  });

  it('admits the parts of a big transaction by the GTID they belong to', () => {
    const parts: HeldEntry[] = [
      { ops: ['row'], gtids: [], partOf: '0-1-9' },
      { ops: ['row'], gtids: ['0-1-9'] },
    ];
    expect(admitted([...parts], '0-1-9')).toBe(2);
    expect(admitted([...parts], '0-1-8')).toBe(0);
  });

  it("stops where it stands on a hold at '' (the position not known yet)", () => {
    expect(admitted([{ ops: ['row'], gtids: ['0-1-1'] }], '')).toBe(0);
  });

  it('MySQL GTID sets: a transaction is admitted when the set holds it', () => {
    const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const queue: HeldEntry[] = [
      { ops: ['row'], gtids: [`${uuid}:10`] },
      { ops: ['row'], gtids: [`${uuid}:11`] },
    ];
    expect(admitted(queue, `${uuid}:1-10`)).toBe(1);
  });
});
