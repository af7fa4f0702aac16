import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../bot/app';
import { describeDataStatus } from '../../bot/commands/data-status.command';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { INTERRUPTED_IMPORT_ERROR } from '../../bot/store/import.repository';
import { buildTestConfig, DATABASE_KINDS, silentLogger } from '../support/databases';
import { createSharedDatabase, type SharedDatabase } from '../support/delivery-world';

const ROOT = join(__dirname, '..', '..');
const HEADER = '\ufeffTime,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"\n';

/** A Moodle log download large enough that its import is still reading when the test kills it. */
async function writeLargeMoodleLog(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(HEADER);
  for (let i = 0; i < rows; i++) {
    const user = 2000 + (i % 3000);
    const line = `"30/10/23, 08:${String(i % 60).padStart(2, '0')}:40","Student ${user}",-,"Course: Physics, Year 1",System,"Course viewed","The user with id '${user}' viewed the course with id '12'.",web,192.0.2.10\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const ADMIN: Staff = { id: 'admin', departmentId: 'd1', displayName: 'Ada Admin', email: null, entraId: null, roles: ['department_admin'] };

describe.each(DATABASE_KINDS)('an import interrupted by a crash on %s', (kind) => {
  let shared: SharedDatabase;
  let dir: string;
  beforeEach(async () => {
    shared = await createSharedDatabase(kind);
    dir = mkdtempSync(join(tmpdir(), 'em-import-kill-'));
  });
  afterEach(async () => {
    await shared.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the importing process is killed (kill -9) mid-import, then the service marks it interrupted at start and the import history shows it, with nothing from it counted', async () => {
    const now = new Date().toISOString();
    await insertDepartment(shared.db, { id: 'd1', name: 'Physics', isDemo: false }, now);
    await insertStaff(shared.db, [ADMIN], now);
    const file = join(dir, 'moodle-log.csv');
    await writeLargeMoodleLog(file, 400_000);

    const child = spawn(
      process.execPath,
      ['--disable-warning=DEP0111', '--import', 'tsx', join(ROOT, 'bot', 'cli.ts'), 'import', 'moodle', file],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATABASE_URL: shared.url,
          DEMO_DATA: 'false',
          LOG_LEVEL: 'silent',
        },
        stdio: 'ignore',
      },
    );
    const exited = once(child, 'exit');
    // Bounded by polls: the import records itself as running before it reads a line.
    let running = 0;
    for (let poll = 0; poll < 3000 && running === 0 && child.exitCode === null; poll++) {
      running = (await shared.db.selectFrom('imports').select('id').where('status', '=', 'running').execute()).length;
      if (running === 0) await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    expect(running).toBe(1);
    expect((await shared.db.selectFrom('imports').select('status').execute()).map((r) => r.status)).toEqual(['running']);

    // The service starting on this database finds the import's process gone.
    const app = createApp(buildTestConfig({ DATABASE_URL: shared.url }), { logger: silentLogger });
    await app.prepare();
    await app.close();

    const rows = await shared.db.selectFrom('imports').selectAll().execute();
    expect(rows.map((r) => r.status)).toEqual(['interrupted']);
    expect(JSON.parse(rows[0]!.errors)).toEqual([INTERRUPTED_IMPORT_ERROR]);
    expect(rows[0]!.finished_at).not.toBeNull();
    expect(await shared.db.selectFrom('import_counts').select('import_id').execute()).toEqual([]);
    const status = await describeDataStatus(shared.db, ADMIN, '2026-11-27');
    expect(status.imports.map((i) => [i.fileName, i.status])).toEqual([['moodle-log.csv', 'interrupted']]);
  });
});
