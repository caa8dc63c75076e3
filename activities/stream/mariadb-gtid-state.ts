// A MariaDB GTID state: per replication domain, the last sequence number seen from each server
// id (what `gtid_binlog_state` reports), and which server's GTID came last (what `gtid_binlog_pos`
// reports, and what a replica resumes from). A domain written by several servers (circular or
// multi-source replication, a source that is also a replica) has several entries.
//
// Text form: GTIDs separated by commas, domains ascending; within a domain, the other servers
// (ascending) and then the last one. A plain `gtid_binlog_pos` (one GTID per domain) is a state.
import { failure } from '../../contract/failures.js';

interface Domain {
  servers: Map<number, bigint>;
  last: number;
}

function parseGtid(gtid: string): { domain: number; server: number; seq: bigint } {
  const parts = gtid.split('-');
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p)))
    throw failure('GtidMismatch', `invalid MariaDB GTID '${gtid}'`);
  return { domain: Number(parts[0]), server: Number(parts[1]), seq: BigInt(parts[2]!) };
}

export class MariadbGtidState {
  private readonly domains = new Map<number, Domain>();

  static parse(text: string): MariadbGtidState {
    const state = new MariadbGtidState();
    for (const gtid of text.split(',').filter(Boolean)) state.add(gtid);
    return state;
  }

  /** The state a server reports: every server of `gtid_binlog_state`, the last from `gtid_binlog_pos`. */
  static fromServer(binlogPos: string, binlogState: string): MariadbGtidState {
    const state = MariadbGtidState.parse(binlogState);
    for (const gtid of binlogPos.split(',').filter(Boolean)) state.add(gtid);
    return state;
  }

  /** Records a GTID seen in binlog order: it is its domain's latest. */
  add(gtid: string): void {
    const { domain, server, seq } = parseGtid(gtid);
    const entry = this.domains.get(domain) ?? { servers: new Map<number, bigint>(), last: server };
    entry.servers.set(server, seq);
    entry.last = server;
    this.domains.set(domain, entry);
  }

  /**
   * Every transaction of `required` is in this state. In binlog order a domain's last GTID comes
   * after every other GTID of that domain, so it is enough that this state has seen that server
   * as far or further, whichever server came last here since. (Comparing only each side's last
   * GTID would never see `0-2-801` as covered by a stream whose last is `0-1-802`.)
   */
  covers(required: MariadbGtidState): boolean {
    for (const [domain, need] of required.domains) {
      const seen = this.domains.get(domain)?.servers.get(need.last);
      if (seen === undefined || seen < need.servers.get(need.last)!) return false;
    }
    return true;
  }

  /**
   * No transaction here comes after `limit` (a `gtid_binlog_pos`-like cut of the binlog): each
   * domain's latest sequence is at most the limit's. Sequences grow in binlog order within a domain,
   * whichever server wrote them.
   */
  within(limit: MariadbGtidState): boolean {
    for (const [domain, d] of this.domains) {
      const bound = limit.domains.get(domain);
      if (bound === undefined || d.servers.get(d.last)! > bound.servers.get(bound.last)!) return false;
    }
    return true;
  }

  /** One GTID per domain, the last seen: where a binlog reader resumes. */
  resumePosition(): string {
    return [...this.sortedDomains()].map(([domain, d]) => `${domain}-${d.last}-${d.servers.get(d.last)}`).join(',');
  }

  toString(): string {
    const out: string[] = [];
    for (const [domain, d] of this.sortedDomains()) {
      const others = [...d.servers.keys()].filter((s) => s !== d.last).sort((a, b) => a - b);
      for (const server of [...others, d.last]) out.push(`${domain}-${server}-${d.servers.get(server)}`);
    }
    return out.join(',');
  }

  private sortedDomains(): Array<[number, Domain]> {
    return [...this.domains].sort(([a], [b]) => a - b);
  }
}
