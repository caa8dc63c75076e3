// Starting a stack when a server cannot start: noticed at once (not after the start timeout), the
// cause shown from the head of the server's log, what the attempt started stopped, and the next
// attempt made on fresh ports with the stack's user in place. `down` returns once its processes have exited.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect, it, vi } from 'vitest';
import { Clusters } from '../../activities/clusters.js';
import { choosePorts, downStack, stackEnv, upStack } from '../../dev/stack/stack.js';
import { loadClusterConfig } from '../../worker/cluster-config.js';
import { isOurProcess } from '../../dev/stack/processes.js';
import { recordFault } from '../support/fault-report.js';

describe('stack start', () => {
  it('retries on fresh ports when a server exits while starting, and stops what it started', async () => {
    // Something else listens on the source's port: mariadbd exits at once ("Address already in use").
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as net.AddressInfo).port;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-stack-start-'));
    const messages: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((message: string) => void messages.push(message));
    const started = Date.now();
    try {
      const state = await upStack({ dir, detached: false, ports: { ...(await choosePorts()), source: taken } });
      const seconds = (Date.now() - started) / 1_000;
      expect(state.servers.source.port).not.toBe(taken);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(
        /stack start attempt 1 failed, retrying on fresh ports: MariaDB source on port \d+: the process exited while starting/,
      );
      expect(messages[0]).toMatch(/Address already in use|Can't start server/);
      // The failed attempt had initialised the source's data: the retry still gives it the stack's user.
      const clusters = new Clusters(loadClusterConfig(stackEnv(state)));
      for (const name of ['source', 'target']) {
        const conn = await clusters.connect(name);
        const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS user');
        await conn.end();
        expect(rows[0]!.user).toBe('move_tables@127.0.0.1');
      }
      await downStack(dir, { removeData: true });
      for (const pid of [state.servers.source.pid, state.servers.target.pid])
        expect(isOurProcess(pid, 'my.cnf')).toBe(false);
      expect(isOurProcess(state.temporal.pid, state.temporal.dbFile)).toBe(false);
      recordFault(
        'stack start with the source port taken by another process',
        'exit noticed at once with the cause from the log head; attempt cleaned up; retried on fresh ports; down waits for exit',
        `retried once, stack up in ${seconds.toFixed(1)} s on port ${state.servers.source.port}; cause shown: ${/\[ERROR\][^\n]*/.exec(messages[0]!)?.[0]?.slice(0, 80) ?? '(see log)'}`,
      );
    } finally {
      spy.mockRestore();
      squatter.close();
      await downStack(dir, { removeData: true });
    }
  });
});
