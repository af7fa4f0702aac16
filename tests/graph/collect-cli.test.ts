import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, migrateToLatest } from '../../bot/store/database';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startGraphStandIn, type GraphStandIn } from './graph-stand-in';
import { CLIENT_ID, CLIENT_SECRET, TENANT, emptyWorld, guestRecord, meeting, seedStudentIdentities, studentRecord } from './graph-fixtures';

import { runCliInProcess } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const ORGANISER = 'convenor@example.ac.uk';

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'bot', 'cli.ts'), ...args], {
      cwd: ROOT,
      // Only what the CLI needs: no GRAPH_* from the developer's shell leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DEMO_DATA: 'false', TIME_ZONE: 'Europe/London', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('engagement collect', () => {
  let dir: string;
  let standIn: GraphStandIn;
  let env: Record<string, string>;
  const amy = buildStudent();
  const ben = buildStudent();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-collect-cli-'));
    const dbPath = join(dir, 'cli.sqlite');
    const db = createDatabase({ kind: 'sqlite', path: dbPath });
    await migrateToLatest(db);
    await seedDepartment(db);
    await seedPeople(db, { staff: [buildStaff({ email: ORGANISER })], students: [amy, ben] });
    await seedStudentIdentities(db, [amy, ben]);
    await db.destroy();
    standIn = await startGraphStandIn(
      emptyWorld({
        organisers: [{ upn: ORGANISER, id: 'aad-convenor', hasAccessPolicy: true }],
        meetings: [
          meeting(
            'workshop',
            ORGANISER,
            [
              ['2026-11-16T10:00:00.000Z', 60],
              ['2026-11-23T10:00:00.000Z', 60],
            ],
            () => [studentRecord(amy, 3000), studentRecord(ben, 3000), guestRecord(7)],
          ),
        ],
      }),
    );
    const caFile = join(dir, 'stand-in-ca.pem');
    writeFileSync(caFile, standIn.ca);
    env = {
      DATABASE_URL: `sqlite:${dbPath}`,
      // The child trusts the stand-in's self-signed certificate the way an operator would trust a private CA.
      NODE_EXTRA_CA_CERTS: caFile,
      GRAPH_TENANT_ID: TENANT,
      GRAPH_CLIENT_ID: CLIENT_ID,
      GRAPH_CLIENT_SECRET: CLIENT_SECRET,
      GRAPH_BASE_URL: standIn.baseUrl,
      GRAPH_AUTHORITY_HOST: standIn.authorityHost,
      GRAPH_ORGANISERS: ORGANISER,
    };
  });
  afterAll(async () => {
    await standIn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A real process: the operator's way of trusting a private CA (NODE_EXTRA_CA_CERTS) only works there.
  it('when Graph is configured, then collect prints a plain summary and exits 0, and collect --json on a re-run reports nothing new', async () => {
    const first = await runCli(['collect', '--since', '2026-11-01'], env);
    const second = await runCli(['collect', '--since', '2026-11-01', '--organiser', ORGANISER, '--json'], env);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Collected Teams attendance for 2026-11-01 to ');
    expect(first.stdout).toContain(
      'Counted: 4 attendances. Not counted: 2 guests, 0 from other organisations, 0 staff, 0 shorter than 10 minutes.',
    );
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      status: 'succeeded',
      reportsCollected: 0,
      reportsAlreadyCollected: 2,
      attendancesCounted: 0,
      period: { start: '2026-11-01' },
    });
  });

  it('when Graph is not configured, then collect says the collector is off, names the settings and exits non-zero', async () => {
    const result = await runCliInProcess(['collect', '--json'], { DATABASE_URL: env.DATABASE_URL ?? '', TIME_ZONE: 'Europe/London' });

    expect(result.code).toBe(1);
    expect(result.stderr.join('\n')).toContain(
      'Teams attendance collection through Microsoft Graph is off: GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET',
    );
  });

  it('when the Graph settings are incomplete, then the CLI names every missing one', async () => {
    const result = await runCliInProcess(['collect'], { DATABASE_URL: env.DATABASE_URL ?? '', GRAPH_TENANT_ID: TENANT });

    expect(result.code).toBe(1);
    expect(result.stderr.join('\n')).toContain('GRAPH_CLIENT_ID: required');
    expect(result.stderr.join('\n')).toContain('GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_PATH: one is required');
  });
});
