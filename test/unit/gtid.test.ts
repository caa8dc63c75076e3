import { describe, expect, it } from 'vitest';
import { AppliedPosition, flavorOf, positionCovers } from '../../activities/stream/gtid.js';

const U1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const U2 = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

describe('MariaDB positions', () => {
  it('covers a drain position only when every domain has reached it on the same server', () => {
    expect(positionCovers('1-1-100,2-2-7', '1-1-100')).toBe(true);
    expect(positionCovers('1-1-100', '1-1-101')).toBe(false);
    expect(positionCovers('1-1-100', '1-1-100,0-5-3')).toBe(false);
    // A different server id in the same domain is not comparable: not covered.
    expect(positionCovers('1-1-100', '1-3-2')).toBe(false);
    expect(positionCovers('', '')).toBe(true);
    expect(positionCovers('1-1-5', '')).toBe(true);
  });

  it('advances with completed transactions, seqNo beyond 2^53 included', () => {
    const applied = AppliedPosition.parse('1-1-9', 'mariadb');
    applied.add('1-1-10');
    applied.add('0-4-18446744073709551615');
    expect(applied.toString()).toBe('0-4-18446744073709551615,1-1-10');
    expect(positionCovers(applied.toString(), '1-1-10')).toBe(true);
  });
});

describe('MySQL GTID sets', () => {
  it('is a subset test over several UUIDs and intervals', () => {
    expect(positionCovers(`${U1}:1-100,${U2}:1-5`, `${U1}:1-100,${U2}:3`)).toBe(true);
    expect(positionCovers(`${U1}:1-100`, `${U1}:1-101`)).toBe(false);
    expect(positionCovers(`${U1}:1-50:52-100`, `${U1}:1-100`)).toBe(false);
    expect(positionCovers(`${U1}:1-100`, `${U2}:1`)).toBe(false);
    expect(positionCovers(`${U1.toUpperCase()}:1-10`, `${U1}:10`)).toBe(true);
  });

  it('keeps tagged transactions (MySQL 8.3+) apart from untagged ones', () => {
    expect(positionCovers(`${U1}:1-5:tag_a:1-3`, `${U1}:tag_a:2`)).toBe(true);
    expect(positionCovers(`${U1}:1-5`, `${U1}:tag_a:2`)).toBe(false);
    expect(positionCovers(`${U1}:tag_a:1-3`, `${U1}:2`)).toBe(false);
  });

  it('merges added transactions into intervals', () => {
    const applied = AppliedPosition.parse(`${U1}:1-5`, 'mysql');
    applied.add(`${U1}:6`);
    applied.add(`${U1}:8`);
    expect(applied.toString()).toBe(`${U1}:1-6:8`);
    expect(positionCovers(applied.toString(), `${U1}:1-6`)).toBe(true);
    expect(positionCovers(applied.toString(), `${U1}:7`)).toBe(false);
  });

  it('refuses to compare positions of different flavors', () => {
    expect(flavorOf(`${U1}:1`)).toBe('mysql');
    expect(flavorOf('0-1-2')).toBe('mariadb');
    expect(() => positionCovers(`${U1}:1-5`, '1-1-1')).toThrow(/cannot compare/);
  });
});
