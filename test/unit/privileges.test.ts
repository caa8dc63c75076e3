import { describe, expect, it } from 'vitest';
import { missingPrivileges, parseGrant, REQUIRED_PRIVILEGES } from '../../activities/source/privileges.js';

describe('privileges', () => {
  it('parses a grant line into privileges and scope', () => {
    expect(parseGrant('GRANT SELECT, INSERT, UPDATE (v) ON `shop`.* TO `mover`@`%`')).toEqual({
      privileges: new Set(['SELECT', 'INSERT', 'UPDATE']),
      scope: 'shop.*',
    });
    expect(parseGrant("GRANT USAGE ON *.* TO `mover`@`%` IDENTIFIED BY PASSWORD '*ABC'")?.scope).toBe('*.*');
    expect(parseGrant('not a grant')).toBeUndefined();
  });

  it('finds what the source role lacks, counting global and database grants only', () => {
    const grants = [
      'GRANT REPLICATION SLAVE ON *.* TO `m`@`%`',
      'GRANT SELECT, ALTER ON `shop`.* TO `m`@`%`',
      'GRANT ALL PRIVILEGES ON `other`.* TO `m`@`%`',
    ];
    expect(missingPrivileges(grants, 'shop', REQUIRED_PRIVILEGES.source)).toEqual(['DROP', 'CREATE', 'INSERT']);
  });

  it('accepts ALL PRIVILEGES and MariaDB 10.5+ REPLICATION REPLICA', () => {
    expect(
      missingPrivileges(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`'], 'shop', REQUIRED_PRIVILEGES.target),
    ).toEqual([]);
    const replica = [
      'GRANT REPLICATION REPLICA ON *.* TO `m`@`%`',
      'GRANT SELECT, ALTER, DROP, CREATE, INSERT ON `shop`.* TO `m`@`%`',
    ];
    expect(missingPrivileges(replica, 'shop', REQUIRED_PRIVILEGES.source)).toEqual([]);
  });
});
