// What prepare can read of a managed source (Amazon RDS / Aurora MySQL, Google Cloud SQL, Azure
// Database for MySQL) and of any source's binlog retention: a stream that is down longer than the
// source keeps its binlogs cannot resume, and the move is lost (BinlogPurged). docs/operations.md
// has a section per platform.
import type mysql from 'mysql2/promise';
import type { Queryable } from '../clusters.js';

export type ManagedPlatform = 'rds' | 'aurora' | 'cloudsql' | 'azure';

/** Binlogs kept less than this make a warning: a move's stream may be down over a night. */
export const MIN_RETENTION_HOURS = 24;

export interface RetentionFacts {
  platform?: ManagedPlatform;
  /** The server's own expiry, seconds; 0: the server never purges by age. */
  expireSeconds: number;
  /** RDS/Aurora's `binlog retention hours`; null: purged as soon as no replica needs them; absent: unreadable. */
  rdsRetentionHours?: number | null;
}

/** The platform, told by the variables only it has. */
export function platformOf(variables: Map<string, string>): ManagedPlatform | undefined {
  if (variables.has('aurora_version')) return 'aurora';
  if ((variables.get('basedir') ?? '').startsWith('/rdsdbbin/')) return 'rds';
  if ([...variables.keys()].some((name) => name.startsWith('cloudsql'))) return 'cloudsql';
  if ([...variables.keys()].some((name) => name.startsWith('azure') || name === 'aad_auth_only')) return 'azure';
  return undefined;
}

/** `binlog_expire_logs_seconds`, else `expire_logs_days` (MariaDB before 10.6, MySQL 5.7). */
export function expireSecondsOf(variables: Map<string, string>): number {
  const seconds = Number(variables.get('binlog_expire_logs_seconds') ?? 0);
  if (seconds > 0) return seconds;
  return Math.round(Number(variables.get('expire_logs_days') ?? 0) * 86_400);
}

/** A warning for prepare when the source may purge binlogs a paused stream still needs. */
export function retentionWarning(facts: RetentionFacts, where: string): string | undefined {
  const fix = `keep them at least ${MIN_RETENTION_HOURS} h`;
  if (facts.platform === 'rds' || facts.platform === 'aurora') {
    const hours = facts.rdsRetentionHours;
    if (hours === undefined)
      return `${where} is Amazon ${facts.platform === 'rds' ? 'RDS' : 'Aurora'}, and its 'binlog retention hours' could not be read (mysql.rds_configuration): make sure it is at least ${MIN_RETENTION_HOURS} (CALL mysql.rds_show_configuration)`;
    if (hours === null)
      return `${where} is Amazon ${facts.platform === 'rds' ? 'RDS' : 'Aurora'} with 'binlog retention hours' unset: it purges binlogs within minutes once no replica reads them, so a stream down for longer loses the move (CALL mysql.rds_set_configuration('binlog retention hours', ${MIN_RETENTION_HOURS}))`;
    if (hours < MIN_RETENTION_HOURS)
      return `${where} keeps binlogs ${hours} h ('binlog retention hours'): a stream down for longer loses the move; ${fix} (CALL mysql.rds_set_configuration('binlog retention hours', ${MIN_RETENTION_HOURS}))`;
    return undefined;
  }
  if (facts.expireSeconds > 0 && facts.expireSeconds < MIN_RETENTION_HOURS * 3_600)
    return `${where} keeps binlogs ${(facts.expireSeconds / 3_600).toFixed(1)} h (binlog_expire_logs_seconds): a stream down for longer loses the move; ${fix}`;
  return undefined;
}

/** Reads the facts above from the source (one query; RDS's configuration table where it exists). */
export async function readRetentionFacts(conn: Queryable): Promise<RetentionFacts> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('basedir', 'aurora_version', 'binlog_expire_logs_seconds', 'expire_logs_days', 'aad_auth_only')
       OR Variable_name LIKE 'cloudsql%' OR Variable_name LIKE 'azure%'`,
  );
  const variables = new Map(rows.map((row) => [String(row.Variable_name), String(row.Value)]));
  const platform = platformOf(variables);
  const facts: RetentionFacts = { expireSeconds: expireSecondsOf(variables), ...(platform ? { platform } : {}) };
  if (platform === 'rds' || platform === 'aurora') {
    const config = await conn
      .query<mysql.RowDataPacket[]>("SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'")
      .then(
        ([rows]) => rows,
        () => undefined,
      );
    if (config) {
      const value = config[0]?.value as string | null | undefined;
      facts.rdsRetentionHours = value === null || value === undefined || value === 'NULL' ? null : Number(value);
    }
  }
  return facts;
}
