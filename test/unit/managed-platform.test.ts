// Managed sources told apart by the variables only they have, and binlog retention short enough to
// lose a move said in prepare's warnings, with the command that lengthens it.
import { describe, expect, it } from 'vitest';
import { expireSecondsOf, platformOf, retentionWarning } from '../../activities/source/managed-platform.js';

const vars = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('managed platforms', () => {
  it('are told apart by their own variables', () => {
    expect(platformOf(vars({ basedir: '/rdsdbbin/mysql-8.0.35.R2/' }))).toBe('rds');
    expect(platformOf(vars({ basedir: '/rdsdbbin/oscar-8.0.mysql_aurora.3.05.2/', aurora_version: '3.05.2' }))).toBe(
      'aurora',
    );
    expect(platformOf(vars({ basedir: '/usr/', cloudsql_iam_authentication: 'OFF' }))).toBe('cloudsql');
    expect(platformOf(vars({ basedir: '/usr/', aad_auth_only: 'OFF' }))).toBe('azure');
    expect(platformOf(vars({ basedir: '/usr/' }))).toBeUndefined();
  });

  it('binlog retention: RDS unset or short, and any server expiring binlogs within a day, warn with the fix', () => {
    expect(
      retentionWarning({ platform: 'rds', expireSeconds: 0, rdsRetentionHours: null }, 'source (u@h:3306)'),
    ).toMatch(
      /source \(u@h:3306\) is Amazon RDS with 'binlog retention hours' unset: .*CALL mysql\.rds_set_configuration\('binlog retention hours', 24\)/,
    );
    expect(retentionWarning({ platform: 'aurora', expireSeconds: 0, rdsRetentionHours: 2 }, 's')).toMatch(
      /keeps binlogs 2 h/,
    );
    expect(retentionWarning({ platform: 'rds', expireSeconds: 0 }, 's')).toMatch(/could not be read/);
    expect(retentionWarning({ platform: 'rds', expireSeconds: 0, rdsRetentionHours: 168 }, 's')).toBeUndefined();
    expect(retentionWarning({ expireSeconds: 3_600 }, 's')).toMatch(
      /keeps binlogs 1\.0 h \(binlog_expire_logs_seconds\)/,
    );
    expect(retentionWarning({ expireSeconds: 7 * 86_400 }, 's')).toBeUndefined();
    expect(retentionWarning({ expireSeconds: 0 }, 's')).toBeUndefined();
    expect(expireSecondsOf(vars({ binlog_expire_logs_seconds: '0', expire_logs_days: '0.5' }))).toBe(43_200);
    expect(expireSecondsOf(vars({ binlog_expire_logs_seconds: '2592000', expire_logs_days: '0' }))).toBe(2_592_000);
  });
});
