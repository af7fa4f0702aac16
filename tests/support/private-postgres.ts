import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './ports';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of its own, in a temporary folder, for tests that restart, crash or stop the
 * server: the shared server at 127.0.0.1:5432 serves other people's tests and is never touched.
 */
export interface PrivatePostgres {
  port: number;
  /** Connection URL (trust authentication, user postgres) to database `postgres`, with extra query parameters. */
  url(params?: Record<string, string>): string;
  /** The postmaster's process id, from postmaster.pid. */
  postmasterPid(): number;
  /** pg_ctl restart -m fast: every connection ended, the server gone for a moment, then back. */
  restartFast(): Promise<void>;
  /** kill -9 of the postmaster; `start` afterwards runs crash recovery. */
  crash(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The server's own log, for a failing test to show. */
  log(): string;
  /** Stops the server (immediate) and removes its folder; safe to call whatever state it is in. */
  destroy(): Promise<void>;
}

/** The newest PostgreSQL installation's bin folder that has initdb; throws (never skips) when there is none. */
function findBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(`no PostgreSQL server binaries (initdb, pg_ctl) under ${root}/*/bin: install the postgresql server package`);
  return join(root, versions[0]!, 'bin');
}

/**
 * initdb and postgres refuse to run as root. Under root (a container), the cluster runs as the
 * `postgres` system user; otherwise as the current user.
 */
function clusterUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  if (!uid || !gid) throw new Error('running as root, and there is no postgres system user to run a private cluster as');
  return { uid, gid };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findBinaries();
  const user = clusterUser();
  const dir = mkdtempSync(join(tmpdir(), 'em-private-pg-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  const logFile = join(dir, 'server.log');
  mkdirSync(socket);
  writeFileSync(logFile, '');
  if (user) for (const path of [dir, socket, logFile]) chownSync(path, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' };
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, ...args], { ...as, env, cwd: dir });

  const port = await freePort();
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      ...as,
      env,
      cwd: dir,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${socket}'`,
      'fsync = off',
      'full_page_writes = off',
      'max_connections = 60',
      'shared_buffers = 32MB',
      '',
    ].join('\n'),
  );

  const start = async () => {
    // After a kill -9 the old backends notice their postmaster is gone and exit within moments; until they
    // have, the new postmaster refuses to start (the shared memory is still in use). Bounded by attempts.
    for (let attempt = 1; ; attempt++) {
      try {
        await pgCtl('-l', logFile, '-w', '-t', '60', 'start');
        return;
      } catch (error) {
        if (attempt >= 20) throw new Error(`pg_ctl start failed: ${(error as { stderr?: string }).stderr ?? String(error)}\n${readLog()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const postmasterPid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const url = (params: Record<string, string> = {}) => {
    const u = new URL(`postgres://postgres@127.0.0.1:${port}/postgres`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  };

  const cluster: PrivatePostgres = {
    port,
    url,
    postmasterPid,
    restartFast: async () => {
      await pgCtl('-l', logFile, '-m', 'fast', '-w', '-t', '60', 'restart');
    },
    crash: async () => {
      const pid = postmasterPid();
      process.kill(pid, 'SIGKILL');
      // Bounded by polls: the postmaster is gone once signal 0 finds no such process.
      for (let poll = 0; poll < 200; poll++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`the postmaster (${pid}) survived kill -9`);
    },
    stop: async () => {
      await pgCtl('-m', 'fast', '-w', '-t', '60', 'stop');
    },
    start,
    log: readLog,
    destroy: async () => {
      if (existsSync(join(data, 'postmaster.pid'))) await pgCtl('-m', 'immediate', '-w', '-t', '30', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
    const client = new Client({ connectionString: url() });
    await client.connect();
    await client.end();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
