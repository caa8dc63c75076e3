// Which of the privileges a move needs the worker's account lacks, read from SHOW GRANTS.
import type mysql from 'mysql2/promise';
import { failure } from '../../contract/failures.js';
import type { Clusters } from '../clusters.js';

/** Privileges by server role, and why: shown to the operator when one is missing. */
export const REQUIRED_PRIVILEGES = {
  source: ['SELECT', 'REPLICATION SLAVE', 'ALTER', 'DROP', 'CREATE', 'INSERT'],
  // ALTER: T3 raises the target's AUTO_INCREMENT counters to the frozen source's.
  target: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'ALTER'],
  // A reversible move: the reverse stream reads the target's binlog and writes the source's renamed
  // tables, keeping its state next to them (in `_move_tables`, as on the target).
  'reverse source': ['UPDATE', 'DELETE'],
  'reverse state': ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE'],
  'reverse target': ['REPLICATION SLAVE'],
} as const;

interface Grant {
  privileges: Set<string>;
  scope: string;
}

/** `GRANT SELECT, INSERT ON `db`.* TO ...` → privileges and scope (`*.*` or `db.*`). */
export function parseGrant(line: string): Grant | undefined {
  const match = /^GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s/i.exec(line);
  if (!match) return undefined;
  const privileges = new Set(
    match[1]!.split(',').map((p) =>
      p
        .replace(/\(.*\)/, '')
        .trim()
        .toUpperCase(),
    ),
  );
  return { privileges, scope: match[2]!.replaceAll('`', '') };
}

/** Privileges from `required` that no global or database-level grant gives. */
export function missingPrivileges(grantLines: string[], database: string, required: readonly string[]): string[] {
  const grants = grantLines
    .map(parseGrant)
    .filter((g): g is Grant => g !== undefined && (g.scope === '*.*' || g.scope === `${database}.*`));
  const has = (privilege: string) =>
    grants.some(
      (g) =>
        g.privileges.has('ALL PRIVILEGES') ||
        g.privileges.has('ALL') ||
        g.privileges.has(privilege) ||
        // MariaDB 10.5+ renamed REPLICATION SLAVE to REPLICATION REPLICA.
        (privilege === 'REPLICATION SLAVE' && g.privileges.has('REPLICATION REPLICA')),
    );
  return required.filter((p) => !has(p));
}

export async function grantsOfCurrentUser(pool: mysql.Pool): Promise<string[]> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>({ sql: 'SHOW GRANTS', rowsAsArray: true });
  return (rows as unknown as string[][]).map((row) => String(row[0]));
}

/** Fails with MissingPrivilege naming what the worker's account lacks on `cluster` for its role. */
export async function checkPrivileges(
  clusters: Clusters,
  role: keyof typeof REQUIRED_PRIVILEGES,
  cluster: string,
  database: string,
): Promise<void> {
  const missing = missingPrivileges(
    await grantsOfCurrentUser(clusters.pool(cluster)),
    database,
    REQUIRED_PRIVILEGES[role],
  );
  if (missing.length) {
    throw failure(
      'MissingPrivilege',
      `the worker's account on ${clusters.describe(cluster)} lacks ${missing.join(', ')} (on *.* or ${database}.*), needed on the ${role} (see README, "Privileges")`,
      { cluster, missing },
    );
  }
}
