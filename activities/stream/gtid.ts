// GTID position math for both flavors. MariaDB positions ('domain-server-seq,...') and MySQL
// GTID sets ('uuid:1-5:7,uuid2:1-9', tags on 8.3+) are parsed and extended with zongji's own
// models, so the stream and the drain check agree with what zongji resumes from.
import { GtidSet, MariadbGtidPosition } from '@vlasky/zongji';
import type { Flavor } from '../../contract/clusters.js';
import { failure } from '../../contract/failures.js';

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
  private constructor(private readonly model: GtidSet | MariadbGtidPosition) {}

  static parse(text: string, flavor: Flavor): AppliedPosition {
    const normalized = normalizePosition(text);
    return new AppliedPosition(flavor === 'mysql' ? GtidSet.parse(normalized) : MariadbGtidPosition.parse(normalized));
  }

  /** Records a completed transaction ('domain-server-seq' or 'uuid[:tag]:gno'). */
  add(gtid: string): void {
    if (this.model instanceof GtidSet) {
      this.model.add(gtid);
      return;
    }
    const parts = gtid.split('-');
    if (parts.length !== 3) throw failure('GtidMismatch', `invalid MariaDB GTID '${gtid}'`);
    this.model.add({ domainId: Number(parts[0]), serverId: Number(parts[1]), seqNo: parts[2]! });
  }

  toString(): string {
    return this.model.toString();
  }
}

/**
 * Whether `applied` contains every transaction of `required` (the drain GTID). MariaDB: each
 * domain of `required` is covered by the same server's sequence in `applied`. MySQL: `required`
 * is a subset of `applied`.
 */
export function positionCovers(applied: string, required: string): boolean {
  const need = normalizePosition(required);
  if (need === '') return true;
  const have = normalizePosition(applied);
  if (flavorOf(need) === 'mariadb') {
    if (flavorOf(have) === 'mysql')
      throw failure('GtidMismatch', `cannot compare MySQL GTID set '${have}' with MariaDB position '${need}'`);
    const position = MariadbGtidPosition.parse(have);
    return need.split(',').every((gtid) => position.covers(gtid));
  }
  if (flavorOf(have) === 'mariadb')
    throw failure('GtidMismatch', `cannot compare MariaDB position '${have}' with MySQL GTID set '${need}'`);
  return mysqlSetContains(GtidSet.parse(have).toString(), GtidSet.parse(need).toString());
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
