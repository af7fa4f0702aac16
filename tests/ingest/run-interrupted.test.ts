import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../bot/app';
import { describeDataStatus } from '../../bot/commands/data-status.command';
import { COLLECTION_INTERRUPTED } from '../../bot/graph/collect-attendance.command';
import { PULL_INTERRUPTED } from '../../bot/feeds/moodle-db/pull-moodle.command';
import { insertDepartment } from '../../bot/store/department.repository';
import { INTERRUPTED_IMPORT_ERROR } from '../../bot/store/import.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { buildTestConfig, DATABASE_KINDS, silentLogger } from '../support/databases';
import { createSharedDatabase, type SharedDatabase } from '../support/delivery-world';

const ROOT = join(__dirname, '..', '..');
const ADMIN: Staff = {
  id: 'admin',
  departmentId: 'PHYS',
  displayName: 'Ada Admin',
  email: null,
  entraId: null,
  roles: ['department_admin'],
};
const TUTOR: Staff = { id: 'tutor', departmentId: 'PHYS', displayName: 'Tom Tutor', email: null, entraId: null, roles: ['personal_tutor'] };

/** A file of `rows` lines after its header, large enough that reading it is still going on when the test kills the process. */
async function writeRows(path: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let i = 0; i < rows; i++) if (!out.write(`${line(i)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** A server that accepts connections and never answers: a Graph or Moodle database that hangs mid-conversation. */
async function startSilentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * Runs `engagement ARGS` as a real process, waits until its run is recorded as running, then kills
 * it with SIGKILL. Returns how many runs were recorded as running at the kill.
 */
async function killMidRun(shared: SharedDatabase, args: string[], env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', join(ROOT, 'bot', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: shared.url,
      DEMO_DATA: 'false',
      LOG_LEVEL: 'silent',
      TIME_ZONE: 'Europe/London',
      ...env,
    },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  let running = 0;
  // Bounded by polls: each run records itself as running before it reads anything.
  for (let poll = 0; poll < 3000 && running === 0 && child.exitCode === null; poll++) {
    running = (await shared.db.selectFrom('imports').select('id').where('status', '=', 'running').execute()).length;
    if (running === 0) await new Promise((r) => setTimeout(r, 50));
  }
  const stillRunning = child.exitCode === null;
  child.kill('SIGKILL');
  await exited;
  expect(stillRunning).toBe(true);
  return running;
}

describe.each(DATABASE_KINDS)('a run killed with SIGKILL on %s', (kind) => {
  let shared: SharedDatabase;
  let dir: string;
  beforeEach(async () => {
    shared = await createSharedDatabase(kind);
    dir = mkdtempSync(join(tmpdir(), 'em-run-kill-'));
    const now = new Date().toISOString();
    await insertDepartment(shared.db, { id: 'PHYS', name: 'Physics', isDemo: false }, now);
    await insertStaff(shared.db, [ADMIN, TUTOR], now);
  });
  afterEach(async () => {
    await shared.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The service starting on the database finds the run's process gone; the Data page then shows the run as interrupted. */
  async function expectInterrupted(label: string, fileName: string, why: string): Promise<void> {
    expect((await shared.db.selectFrom('imports').select('status').execute()).map((r) => r.status)).toEqual(['running']);
    const app = createApp(buildTestConfig({ DATABASE_URL: shared.url }), { logger: silentLogger });
    await app.prepare();
    await app.close();
    const rows = await shared.db.selectFrom('imports').selectAll().execute();
    expect(rows.map((r) => [r.status, JSON.parse(r.errors) as unknown])).toEqual([['interrupted', [why]]]);
    expect(rows[0]!.finished_at).not.toBeNull();
    // A personal tutor sees the run and why too: the reason quotes no row.
    for (const viewer of [ADMIN, TUTOR]) {
      const status = await describeDataStatus(shared.db, viewer, '2026-11-27');
      expect(status.imports.map((i) => [i.label, i.fileName, i.status, i.errors])).toEqual([[label, fileName, 'interrupted', [why]]]);
    }
  }

  it('when a Moodle user import is killed mid-read, then it shows as interrupted on the Data page and no identity from it is stored', async () => {
    const file = join(dir, 'moodle-users.csv');
    await writeRows(file, 'id,username,email,idnumber', 400_000, (i) => `${10_000 + i},user${i},user${i}@example.ac.uk,S${2_000_000 + i}`);
    expect(await killMidRun(shared, ['import', 'moodle-users', file], {})).toBe(1);
    await expectInterrupted('Moodle users (who is who)', 'moodle-users.csv', INTERRUPTED_IMPORT_ERROR);
    expect(await shared.db.selectFrom('identities').select('external_key').execute()).toEqual([]);
  });

  it('when a Samis roster import is killed mid-read, then it shows as interrupted on the Data page and no student from it is stored', async () => {
    const file = join(dir, 'roster.csv');
    await writeRows(
      file,
      'STU_CODE,STU_SURN,STU_FNM1,STU_CAEM,SPR_CODE,CRS_CODE,SCE_BLOK,SCE_STAC,SCE_MOAC,SCE_AYRC,SCJ_BEGD,DPT_CODE,DPT_NAME,PRS_CODE,PRS_SURN,PRS_FNM1,PRS_EMAD',
      300_000,
      (i) =>
        `S${3_000_000 + i},Surname${i},Given,s${i}@example.ac.uk,S${i}/1,USPH-AFB01,1,C,FT,2026/7,28/09/2026,PHYS,Physics,TUT01,Okafor,Chidi,c.okafor@example.ac.uk`,
    );
    expect(await killMidRun(shared, ['import', 'samis-roster', file], {})).toBe(1);
    await expectInterrupted('Samis roster', 'roster.csv', INTERRUPTED_IMPORT_ERROR);
    expect(await shared.db.selectFrom('students').select('id').execute()).toEqual([]);
  });

  it('when a staff import is killed mid-read, then it shows as interrupted on the Data page and no role from it is given', async () => {
    const file = join(dir, 'staff.csv');
    await writeRows(file, 'email,name,role,department', 300_000, (i) => `staff${i}@example.ac.uk,Staff ${i},Personal tutor,PHYS`);
    expect(await killMidRun(shared, ['staff', 'import', file], {})).toBe(1);
    await expectInterrupted('Staff list', 'staff.csv', INTERRUPTED_IMPORT_ERROR);
    expect((await shared.db.selectFrom('staff').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(['admin', 'tutor']);
  });

  it('when a Graph attendance collection is killed while Graph has not answered, then it shows as interrupted on the Data page', async () => {
    const graph = await startSilentServer();
    try {
      const url = `https://127.0.0.1:${graph.port}`;
      const env = {
        GRAPH_TENANT_ID: '11111111-2222-3333-4444-555555555555',
        GRAPH_CLIENT_ID: '66666666-7777-8888-9999-000000000000',
        GRAPH_CLIENT_SECRET: 'not-a-real-secret',
        GRAPH_BASE_URL: url,
        GRAPH_AUTHORITY_HOST: url,
        GRAPH_ORGANISERS: 'convenor@example.ac.uk',
      };
      expect(await killMidRun(shared, ['collect'], env)).toBe(1);
    } finally {
      await graph.close();
    }
    await expectInterrupted('Teams meetings', 'Microsoft Graph: convenor@example.ac.uk', COLLECTION_INTERRUPTED);
  });

  it('when a Moodle database pull is killed while the database has not answered, then it shows as interrupted on the Data page', async () => {
    const moodle = await startSilentServer();
    try {
      expect(
        await killMidRun(shared, ['pull', 'moodle'], {
          MOODLE_DB_URL: `mysql://moodle@127.0.0.1:${moodle.port}/moodle`,
          MOODLE_DB_TLS: 'off',
        }),
      ).toBe(1);
    } finally {
      await moodle.close();
    }
    await expectInterrupted('Moodle database', 'Moodle database', PULL_INTERRUPTED);
    expect(await shared.db.selectFrom('activity_counts').select('student_id').execute()).toEqual([]);
  });
});
