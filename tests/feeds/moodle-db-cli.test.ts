import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli';
import { createTestMoodle, type TestMoodle } from '../support/moodle-db';
import { generateSiteLog, login, SITE_USERS } from '../support/moodle-site';

const engagement = async (args: string[], env: Record<string, string>) => {
  const run = await runCliInProcess(args, env);
  return { status: run.code, stdout: run.stdout, stderr: run.stderr.join('\n') };
};

describe('engagement pull moodle', () => {
  let dir: string;
  let moodle: TestMoodle;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-pull-'));
    moodle = await createTestMoodle('mysql');
    await moodle.insertUsers(SITE_USERS);
    // The day before yesterday, yesterday and today: whatever the time of day, the first of them can be
    // completed (an entry more than an hour after it ends has been read), so a second run reads less.
    const today = Math.floor(Date.now() / 86_400_000) * 86_400;
    const now = Math.floor(Date.now() / 1000);
    await moodle.insertLog(generateSiteLog(21, today - 2 * 86_400, 3, now - 60));
    // A student logged in a minute ago: in the early hours today may hold no counted event yet, and the
    // unfinished day the second run reads again must have one whatever the time of day.
    await moodle.insertLog([login(2113, now - 60)]);
  });
  afterEach(async () => {
    await moodle.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when no Moodle database is configured, then it says how to turn the pull on and exits 1', async () => {
    const result = await engagement(['pull', 'moodle'], { DATABASE_URL: `sqlite:${join(dir, 'a.sqlite')}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('MOODLE_DB_URL is not set');
  });

  it('when it runs twice with --json, then the first reads the log, the second only the unfinished day, and each records a checkpoint', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'a.sqlite')}`, MOODLE_DB_URL: moodle.settings.url, MOODLE_DB_TLS: 'off' };
    const first = await engagement(['pull', 'moodle', '--json'], env);
    expect(first.status).toBe(0);
    const a = JSON.parse(first.stdout) as { status: string; rowsRead: number; checkpoint: { resumeId: number }; users: { read: number } };
    expect(a).toMatchObject({ status: 'succeeded', users: { read: SITE_USERS.length } });
    expect(a.rowsRead).toBeGreaterThan(0);

    const second = JSON.parse((await engagement(['pull', 'moodle', '--json'], env)).stdout) as {
      rowsRead: number;
      idRange: { from: number };
    };
    expect(second.idRange.from).toBe(a.checkpoint.resumeId);
    expect(second.rowsRead).toBeLessThan(a.rowsRead);
  });

  it('when the password is wrong, then the one line names the database and the cause, never the password', async () => {
    const url = new URL(moodle.settings.url);
    url.password = 'not-the-password';
    const result = await engagement(['pull', 'moodle'], {
      DATABASE_URL: `sqlite:${join(dir, 'a.sqlite')}`,
      MOODLE_DB_URL: url.toString(),
      MOODLE_DB_TLS: 'off',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /Moodle pull failed \(moodle_db_credentials\): The Moodle database refused the user name or password \(MySQL\/MariaDB 127\.0\.0\.1:3306/,
    );
    expect(result.stdout + result.stderr).not.toContain('not-the-password');
  });
});
