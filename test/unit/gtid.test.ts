import { describe, expect, it } from 'vitest';
import {
  AppliedPosition,
  flavorOf,
  positionCovers,
  positionIsExactly,
  positionWithin,
  resumePosition,
} from '../../activities/stream/gtid.js';
import { MariadbGtidState } from '../../activities/stream/mariadb-gtid-state.js';

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

describe('MariaDB domains written by several servers', () => {
  it("covers a drain GTID of another server in the same domain once that server's GTID was applied", () => {
    // The source's state at the start: server 1 last; server 2 wrote in the domain before.
    const applied = AppliedPosition.parse(
      MariadbGtidState.fromServer('0-1-800', '0-2-700,0-1-800').toString(),
      'mariadb',
    );
    applied.add('0-2-801');
    applied.add('0-1-802');
    // The drain state read at T2 names both servers: covered, although the domain's last GTID is server 1's.
    expect(positionCovers(applied.toString(), '0-2-801,0-1-802')).toBe(true);
    expect(positionCovers(applied.toString(), '0-2-801')).toBe(true);
    expect(positionCovers(applied.toString(), '0-1-802,0-2-803')).toBe(false);
    // Only the domain's last GTID is required: the others came before it in the binlog.
    expect(positionCovers('0-1-802', '0-2-900,0-1-802')).toBe(true);
    // A server the stream never saw in that domain is not covered.
    expect(positionCovers(applied.toString(), '0-3-1')).toBe(false);
  });

  it('keeps the last GTID per domain for resuming, whatever its sequence', () => {
    const state = MariadbGtidState.fromServer('1-1-900', '1-1-900,1-2-950,2-7-3');
    expect(state.toString()).toBe('1-2-950,1-1-900,2-7-3');
    expect(state.resumePosition()).toBe('1-1-900,2-7-3');
    expect(resumePosition(state.toString())).toBe('1-1-900,2-7-3');
    expect(MariadbGtidState.parse(state.toString()).toString()).toBe(state.toString());
    // A position stored by a version before states (one GTID per domain) reads as a state.
    expect(resumePosition('0-1-5,3-2-9')).toBe('0-1-5,3-2-9');
  });

  it('refuses a malformed GTID with a typed error', () => {
    expect(() => MariadbGtidState.parse('1-1')).toThrow(expect.objectContaining({ type: 'GtidMismatch' }));
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

describe('a snapshot position as a limit (verification holds)', () => {
  it('MariaDB: a GTID or an applied state is within a binlog cut when no domain went past it', () => {
    expect(positionWithin('0-1-5', '0-1-5,1-2-9')).toBe(true);
    expect(positionWithin('0-1-6', '0-1-5,1-2-9')).toBe(false);
    // Another server of the domain: compared by sequence, which grows in binlog order.
    expect(positionWithin('0-2-4', '0-1-5')).toBe(true);
    expect(positionWithin('0-2-7', '0-1-5')).toBe(false);
    // A domain the cut has not seen came after it; '' (stop where you are) admits nothing.
    expect(positionWithin('2-1-1', '0-1-5')).toBe(false);
    expect(positionWithin('0-1-1', '')).toBe(false);
    // A state of several servers is within when its latest is.
    expect(positionWithin('0-2-3,0-1-5,1-2-9', '0-1-5,1-2-9')).toBe(true);
  });

  it('MariaDB: exactly at the cut: every transaction up to it, none after', () => {
    expect(positionIsExactly('0-2-3,0-1-5,1-2-9', '0-1-5,1-2-9')).toBe(true);
    expect(positionIsExactly('0-1-4,1-2-9', '0-1-5,1-2-9')).toBe(false);
    expect(positionIsExactly('0-1-6,1-2-9', '0-1-5,1-2-9')).toBe(false);
  });

  it('MySQL: within is a subset; exactly is the same set', () => {
    expect(positionWithin(`${U1}:7`, `${U1}:1-10`)).toBe(true);
    expect(positionWithin(`${U1}:11`, `${U1}:1-10`)).toBe(false);
    expect(positionWithin(`${U2}:1`, `${U1}:1-10`)).toBe(false);
    expect(positionIsExactly(`${U1}:1-10,${U2}:1-3`, `${U2}:1-3,${U1}:1-10`)).toBe(true);
    expect(positionIsExactly(`${U1}:1-11`, `${U1}:1-10`)).toBe(false);
    expect(() => positionWithin('0-1-5', `${U1}:1-10`)).toThrow(/cannot compare/);
  });
});
