import { describe, expect, it } from 'vitest';
import { decodeOps, encodeOps } from '../../activities/target/pending-xa.js';
import type { RowOp, TargetTable } from '../../activities/target/row-apply.js';

const orders: TargetTable = { database: 'shop', table: 'orders', key: ['id'], generated: new Set<string>() };

describe('prepared XA rows kept on the target', () => {
  it('round-trip exactly: bytes, big integers as text, JSON documents as their text, NULL', () => {
    const ops: RowOp[] = [
      {
        kind: 'upsert',
        table: orders,
        row: { id: '18446744073709551615', b: Buffer.from([0, 255, 7]), j: { a: [1, 'x'] }, n: null, f: 1.25 },
      },
      { kind: 'delete', table: orders, row: { id: 2n } },
    ];
    const back = decodeOps(encodeOps(ops), new Map([['orders', orders]]));
    expect(back[0]!.row).toEqual({
      id: '18446744073709551615',
      b: Buffer.from([0, 255, 7]),
      j: '{"a":[1,"x"]}',
      n: null,
      f: 1.25,
    });
    expect(back[1]).toEqual({ kind: 'delete', table: orders, row: { id: '2' } });
  });
});
