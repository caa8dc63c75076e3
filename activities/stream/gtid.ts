// GTID position math for both flavors. MariaDB states ('domain-server-seq,...', every server of
// a domain: mariadb-gtid-state.ts) and MySQL GTID sets ('uuid:1-5:7,uuid2:1-9', tags on 8.3+,
// extended with zongji's own model, so the stream agrees with what zongji resumes from).
import { GtidSet } from '@vlasky/zongji';
import type { Flavor } from '../../contract/clusters.js';
import { failure } from '../../contract/failures.js';
import { MariadbGtidState } from './mariadb-gtid-state.js';

/** A MySQL set holds ':' (uuid:interval); a MariaDB position never does. '' is either. */
export function flavorOf(position: string): Flavor | undefined {
  if (position.trim() === '') return undefined;
  return position.includes(':') ? 'mysql' : 'mariadb';
}

export function normalizePosition(text: string): string {
  return text.replace(/\s/g, '');
}

/** The transactions a stream has applied: a start position plus every completed GTID since. */
export class AppliedPosition {
  private constructor(private readonly model: GtidSet | MariadbGtidState) {}

  static parse(text: string, flavor: Flavor): AppliedPosition {
    const normalized = normalizePosition(text);
    return new AppliedPosition(flavor === 'mysql' ? GtidSet.parse(normalized) : MariadbGtidState.parse(normalized));
  }

  /** Records a completed transaction ('domain-server-seq' or 'uuid[:tag]:gno'). */
  add(gtid: string): void {
    this.model.add(gtid);
  }

  toString(): string {
    return this.model.toString();
  }
}

/** Where a binlog reader resumes from an applied position (MariaDB: one GTID per domain). */
export function resumePosition(applied: string): string {
  const normalized = normalizePosition(applied);
  return flavorOf(normalized) === 'mariadb' ? MariadbGtidState.parse(normalized).resumePosition() : normalized;
}

/**
 * Whether `applied` contains every transaction of `required` (the drain GTID). MariaDB: for each
 * domain and server of `required`, `applied` has that server's sequence as far or further. MySQL:
 * `required` is a subset of `applied`.
 */
export function positionCovers(applied: string, required: string): boolean {
  const need = normalizePosition(required);
  if (need === '') return true;
  const have = normalizePosition(applied);
  if (flavorOf(need) === 'mariadb') {
    if (flavorOf(have) === 'mysql')
      throw failure('GtidMismatch', `cannot compare MySQL GTID set '${have}' with MariaDB position '${need}'`);
    return MariadbGtidState.parse(have).covers(MariadbGtidState.parse(need));
  }
  if (flavorOf(have) === 'mariadb')
    throw failure('GtidMismatch', `cannot compare MariaDB position '${have}' with MySQL GTID set '${need}'`);
  return mysqlSetContains(GtidSet.parse(have).toString(), GtidSet.parse(need).toString());
}

/**
 * Whether nothing of `applied` comes after `limit`, a cut of the source's binlog (a snapshot's
 * position): MariaDB, each domain's latest sequence at most the limit's; MySQL, a subset. A single
 * GTID is a position too.
 */
export function positionWithin(applied: string, limit: string): boolean {
  const have = normalizePosition(applied);
  if (have === '') return true;
  const bound = normalizePosition(limit);
  if (flavorOf(have) === 'mariadb') {
    if (flavorOf(bound) === 'mysql')
      throw failure('GtidMismatch', `cannot compare MariaDB position '${have}' with MySQL GTID set '${bound}'`);
    return MariadbGtidState.parse(have).within(MariadbGtidState.parse(bound));
  }
  if (flavorOf(bound) === 'mariadb')
    throw failure('GtidMismatch', `cannot compare MySQL GTID set '${have}' with MariaDB position '${bound}'`);
  return bound !== '' && mysqlSetContains(GtidSet.parse(bound).toString(), GtidSet.parse(have).toString());
}

/** `applied` holds exactly the transactions up to the binlog cut `position`: no fewer, no more. */
export function positionIsExactly(applied: string, position: string): boolean {
  return positionCovers(applied, position) && positionWithin(applied, position);
}

type Intervals = Array<[bigint, bigint]>;

/** Canonical MySQL set text ('uuid:1-5:7:tag:1-3,...') to (uuid, tag) → inclusive intervals. */
function mysqlIntervals(canonical: string): Map<string, Intervals> {
  const result = new Map<string, Intervals>();
  if (!canonical) return result;
  for (const block of canonical.split(',')) {
    const [uuid, ...items] = block.split(':');
    let tag = '';
    for (const item of items) {
      if (!/^\d/.test(item)) {
        tag = item;
        continue;
      }
      const [start, end = start] = item.split('-');
      const key = `${uuid!.toLowerCase()}:${tag}`;
      const list = result.get(key) ?? [];
      list.push([BigInt(start!), BigInt(end!)]);
      result.set(key, list);
    }
  }
  return result;
}

function mysqlSetContains(haveText: string, needText: string): boolean {
  const have = mysqlIntervals(haveText);
  for (const [key, intervals] of mysqlIntervals(needText)) {
    const available = have.get(key) ?? [];
    // Canonical sets hold merged intervals, so each needed one lies within a single available one.
    const covered = intervals.every(([start, end]) => available.some(([s, e]) => s <= start && end <= e));
    if (!covered) return false;
  }
  return true;
}
