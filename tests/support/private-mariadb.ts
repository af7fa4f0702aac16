import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './ports';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A MariaDB server of its own, in a temporary folder, for tests that restart, crash or stop the
 * server: the shared server at 127.0.0.1:3306 serves other people's tests and is never touched.
 */
export interface PrivateMariadb {
  port: number;
  /** Connection URL (root, no password: the grant tables are skipped) to `database`. */
  url(database?: string): string;
  /** The server's process id, from its pid file. */
  pid(): number;
  /** A clean shutdown (SIGTERM: every connection ended, InnoDB flushed), then started again. */
  restart(): Promise<void>;
  /** kill -9 of mariadbd; `start` afterwards runs InnoDB crash recovery. */
  crash(): Promise<void>;
  /** A clean shutdown; resolves once the process has gone. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The server's error log, for a failing test to show. */
  log(): string;
  /** Kills the server and removes its folder; safe to call whatever state it is in. */
  destroy(): Promise<void>;
}

/** mariadbd and mariadb-install-db from PATH or /usr/sbin; throws (never skips) when they are missing. */
function findBinaries(): { server: string; install: string } {
  const find = (names: string[]) => {
    for (const name of names)
      for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':')])
        if (dir && existsSync(join(dir, name))) return join(dir, name);
    return null;
  };
  const server = find(['mariadbd', 'mysqld']);
  const install = find(['mariadb-install-db', 'mysql_install_db']);
  if (!server || !install)
    throw new Error('no MariaDB server binaries (mariadbd, mariadb-install-db): install the mariadb-server package to run this test');
  return { server, install };
}

/** mariadbd refuses to run as root without --user; under root (a container) it runs as the `mysql` system user. */
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).trim());
  if (!uid || !gid) throw new Error('running as root, and there is no mysql system user to run a private MariaDB as');
  return { name: 'mysql', uid, gid };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const bin = findBinaries();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'em-private-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  const pidFile = join(dir, 'mariadb.pid');
  const logFile = join(dir, 'error.log');
  writeFileSync(logFile, '');
  if (user) for (const path of [dir, logFile]) chownSync(path, user.uid, user.gid);
  const userArgs = user ? [`--user=${user.name}`] : [];
  const env = { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' };
  const port = await freePort();
  try {
    await run(bin.install, ['--no-defaults', `--datadir=${data}`, ...userArgs, '--skip-test-db', '--skip-name-resolve'], { env, cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }

  let child: ChildProcess | null = null;
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const pid = () => Number(readFileSync(pidFile, 'utf8').trim());
  const url = (database = 'mysql') => `mysql://root@127.0.0.1:${port}/${database}`;

  const waitGone = async (serverPid: number) => {
    // Bounded by polls: a clean shutdown of this small server takes well under a second or two.
    for (let poll = 0; poll < 1200; poll++) {
      if (!isAlive(serverPid)) return;
      await sleep(25);
    }
    throw new Error(`mariadbd (${serverPid}) did not end\n${readLog()}`);
  };
  const start = async () => {
    rmSync(pidFile, { force: true });
    const server = spawn(
      bin.server,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${pidFile}`,
        `--log-error=${logFile}`,
        ...userArgs,
        '--skip-grant-tables',
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        '--innodb-log-file-size=16M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-connections=50',
      ],
      { env, cwd: dir, stdio: 'ignore' },
    );
    server.once('error', () => undefined);
    child = server;
    // Bounded by attempts: ready once it answers on its port (crash recovery first replays the redo log).
    for (let attempt = 1; ; attempt++) {
      if (server.exitCode !== null) throw new Error(`mariadbd exited with ${server.exitCode}\n${readLog()}`);
      try {
        const c = await mysql.createConnection({ uri: url(), connectTimeout: 1000 });
        await c.end();
        return;
      } catch (error) {
        if (attempt >= 400) throw new Error(`mariadbd did not come up: ${String(error)}\n${readLog()}`);
        await sleep(50);
      }
    }
  };
  const stop = async () => {
    const serverPid = pid();
    process.kill(serverPid, 'SIGTERM');
    await waitGone(serverPid);
  };

  const server: PrivateMariadb = {
    port,
    url,
    pid,
    restart: async () => {
      await stop();
      await start();
    },
    crash: async () => {
      const serverPid = pid();
      process.kill(serverPid, 'SIGKILL');
      await waitGone(serverPid);
    },
    stop,
    start,
    log: readLog,
    destroy: async () => {
      const running = child as ChildProcess | null;
      if (running && running.exitCode === null && running.pid) {
        process.kill(running.pid, 'SIGKILL');
        await waitGone(running.pid).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
