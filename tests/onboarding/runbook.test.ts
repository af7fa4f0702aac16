import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { todayIn } from '../../bot/clock';
import { addDays } from '../../shared/calendar';
import { startGraphStandIn, type GraphStandIn, type StandInUser } from '../graph/graph-stand-in';
import { CLIENT_ID, CLIENT_SECRET, TENANT, emptyWorld } from '../graph/graph-fixtures';
import { cardText, startPlayground, type Playground } from '../support/playground';
import { freePort } from '../support/ports';
import { daysOf, moodleSiteLog, panoptoSystemViews, samisLogins, teamsAttendance, termAround, type ExportStudent } from './runbook-exports';

const ROOT = join(__dirname, '..', '..');
const RUNBOOK = join(ROOT, 'docs', 'onboarding.md');

/** The runbook as the test reads it: settings from `env` blocks, commands from `sh` blocks, in order. */
function readRunbook(text: string): { env: Record<string, string>; commands: string[] } {
  const env: Record<string, string> = {};
  const commands: string[] = [];
  for (const [, lang, body] of text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
    const lines = (body ?? '').split('\n').filter((l) => l.trim() !== '');
    if (lang === 'env')
      for (const line of lines) {
        const at = line.indexOf('=');
        env[line.slice(0, at)] = line.slice(at + 1);
      }
    if (lang === 'sh') commands.push(...lines.map((l) => l.trim()));
  }
  return { env, commands };
}

// What the runbook leaves to the reader, filled in with the stand-in's values; an unknown placeholder fails the test.
const PLACEHOLDERS: Record<string, string> = {
  '<tenant id>': TENANT,
  '<app registration client id>': CLIENT_ID,
  '<client secret>': CLIENT_SECRET,
  '<object id of the Physics Directors of Studies group>': 'a0d5e2c1-0000-4000-8000-0000000000d1',
  '<object id of the Physics Student Experience group>': 'a0d5e2c1-0000-4000-8000-0000000000e1',
};
function fill(value: string): string {
  const filled = value.replace(/<[^<>]+>/g, (p) => PLACEHOLDERS[p] ?? `UNFILLED ${p}`);
  if (filled.includes('UNFILLED')) throw new Error(`the runbook has a placeholder the test does not know: ${filled}`);
  return filled;
}

// Lines a reader types that are not the tool's: getting the code, which this checkout already is.
const SETUP = [/^git clone https:\/\/\S+$/, /^cd engagement-monitor$/, /^npm ci$/];

const guid = (n: number) => `5e7d0c4a-0000-4000-8000-${String(n).padStart(12, '0')}`;
const STUDENTS: ExportStudent[] = [
  ['2612346', '3102', 'Luca Bianchi', 'luca.bianchi', 'lb2612346'],
  ['2512347', '3103', 'Tasnim Chowdhury', 'tasnim.chowdhury', 'tc2512347'],
  ['2512348', '3104', 'Élodie Dubois', 'elodie.dubois', 'ed2512348'],
  ['2612349', '3105', 'Rhys Evans', 'rhys.evans', 're2612349'],
  ['2612351', '3107', 'María García', 'maria.garcia', 'mg2612351'],
  ['2512352', '3108', 'Owen Hughes', 'owen.hughes', 'oh2512352'],
].map(([code, moodleId, name, local, moodleUser]) => ({
  code: code ?? '',
  moodleId: moodleId ?? '',
  name: name ?? '',
  email: `${local}@student.example.ac.uk`,
  moodleUser: moodleUser ?? '',
}));
const NOOR = { name: 'Noor Achterberg', email: 'noor.achterberg@student.example.ac.uk', entraId: guid(45) };
const STAFF_USERS: StandInUser[] = [
  ['k.mensah', 'Kwame Mensah', 1],
  ['s.oneill', 'Siobhán O’Neill', 2],
  ['r.patel', 'Ravi Patel', 3],
  ['h.nakamura', 'Hiro Nakamura', 4],
  ['it.admin', 'Alex Morgan', 5],
].map(([local, name, n]) => ({
  id: guid(Number(n)),
  displayName: String(name),
  mail: `${local}@example.ac.uk`,
  userPrincipalName: `${local}@example.ac.uk`,
}));
// Noor has no Entra user yet in the directory: she is matched when she first talks to the bot.
const STUDENT_USERS: StandInUser[] = STUDENTS.map((s, i) => ({
  id: guid(100 + i),
  displayName: s.name,
  mail: s.email,
  userPrincipalName: s.email,
}));

function run(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'engagement.js'), ...args], { cwd, env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('docs/onboarding.md, followed word for word from an empty database', () => {
  let dir: string;
  let standIn: GraphStandIn;
  let service: ChildProcess | undefined;
  let tutorTeams: Playground | undefined;
  let studentTeams: Playground | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-runbook-'));
    const exports = join(dir, 'exports');
    mkdirSync(exports);
    const today = todayIn('Europe/London', new Date());
    const term = termAround(today);
    const days = daysOf(term.start, addDays(today, -1));
    for (const name of ['roster.csv', 'staff.csv', 'moodle-users.csv'])
      copyFileSync(join(__dirname, '..', 'fixtures', 'runbook', name), join(exports, name));
    writeFileSync(join(exports, 'calendar.json'), JSON.stringify([term], null, 2));
    writeFileSync(join(exports, 'moodle-log.csv'), moodleSiteLog(STUDENTS, days));
    writeFileSync(join(exports, 'panopto-views.csv'), panoptoSystemViews(STUDENTS, days));
    writeFileSync(join(exports, 'samis-logins.csv'), samisLogins(STUDENTS, days));
    writeFileSync(join(exports, 'teams-attendance.csv'), teamsAttendance(STUDENTS, addDays(today, -2)));
    standIn = await startGraphStandIn(
      emptyWorld({
        directory: {
          users: [...STAFF_USERS, ...STUDENT_USERS],
          groups: [
            { id: PLACEHOLDERS['<object id of the Physics Directors of Studies group>'] ?? '', members: [guid(1)] },
            { id: PLACEHOLDERS['<object id of the Physics Student Experience group>'] ?? '', members: [guid(2)] },
          ],
        },
      }),
      { faults: [{ pathIncludes: '/users?', status: 429, times: 2, retryAfter: '1', where: 'batch' }] },
    );
    writeFileSync(join(dir, 'stand-in-ca.pem'), standIn.ca);
  }, 60_000);

  afterAll(async () => {
    await tutorTeams?.stop();
    await studentTeams?.stop();
    if (service?.pid && service.exitCode === null) {
      const exited = new Promise((r) => service?.once('exit', r));
      process.kill(-service.pid, 'SIGTERM');
      await exited;
    }
    await standIn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when every step is followed, then the tutor gets their digest in Teams and a student’s message reaches them', async () => {
    const runbook = readRunbook(readFileSync(RUNBOOK, 'utf8'));
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...Object.fromEntries(Object.entries(runbook.env).map(([k, v]) => [k, fill(v)])),
      // Where Microsoft Graph and this machine differ from a tenant: the stand-in's address, its certificate, a free port.
      GRAPH_BASE_URL: standIn.baseUrl,
      GRAPH_AUTHORITY_HOST: standIn.authorityHost,
      NODE_EXTRA_CA_CERTS: join(dir, 'stand-in-ca.pem'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The service runs on the wall clock at whatever hour the suite runs; in quiet hours the student's
      // ordinary message would rightly wait for the morning (tests/rules/daily-digest.test.ts proves that with a clock).
      QUIET_HOURS: 'off',
    };
    expect(env).toMatchObject({ DEMO_DATA: 'false', DATABASE_URL: 'sqlite:./data/engagement.sqlite' });

    const outputs = new Map<string, string>();
    let served = false;
    for (const command of runbook.commands) {
      if (SETUP.some((re) => re.test(command))) continue;
      expect(command).toMatch(/^npx engagement /);
      const args = command.replace(/^npx engagement /, '').split(/\s+/);
      if (args[0] === 'serve') {
        // The service itself, from the same settings and folder; its own process group, so stopping it stops a tsx child too.
        service = spawn(process.execPath, [join(ROOT, 'bin', 'engagement.js'), ...args], {
          cwd: dir,
          env,
          stdio: 'ignore',
          detached: true,
        });
        served = true;
        continue;
      }
      const result = await run(args, dir, env);
      outputs.set(command, result.out);
      if (result.code !== 0) throw new Error(`"${command}" failed (exit ${result.code}):\n${result.out}`);
    }
    expect(served).toBe(true);

    // What the steps said along the way.
    expect(outputs.get('npx engagement import samis-roster exports/roster.csv')).toContain('8');
    expect(outputs.get('npx engagement staff import exports/staff.csv')).toContain('Roles added:');
    expect(outputs.get('npx engagement directory sync')).toContain('Looked up');
    expect(outputs.get('npx engagement people unmatched')).toContain(
      `student 2612345 Noor Achterberg <${NOOR.email}> (PHYS): No Entra user has the e-mail or UPN ${NOOR.email}.`,
    );
    const evaluation = outputs.get('npx engagement evaluate') ?? '';
    expect(evaluation).toMatch(/PHYS as of \d{4}-\d{2}-\d{2}: 5 monitored, 1 flagged \(1 new.*1 exempt, 1 digests queued/);

    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 240 || service?.exitCode !== null) throw new Error('the service did not start');
      await new Promise((r) => setTimeout(r, 250));
    }

    // Kwame Mensah opens the app in Teams: matched by the Entra id the directory sync learnt.
    tutorTeams = await startPlayground({ botPort: port, currentUser: { id: 'user-id-0', name: 'Kwame Mensah', aadObjectId: guid(1) } });
    await tutorTeams.install();
    const welcome = await tutorTeams.waitFor((m) => (m.text ?? '').startsWith('Hello Dr Kwame Mensah'), 'the welcome', 60_000);
    // The digest keeps its DIGEST_TIME; the welcome says so, and "my students" shows them now.
    expect(welcome.text).toContain('1 of your students may need a check-in. I will send you their digest at 09:00 on');
    await tutorTeams.say('my students');
    const list = await tutorTeams.waitFor((m) => cardText(m).includes('Students who may need a check-in'), 'the list', 60_000);
    expect(cardText(list)).toContain(NOOR.name);
    expect(cardText(list)).not.toContain('Luca Bianchi');

    // Noor writes to the bot from her own Teams: her Entra id is learnt from the Teams roster, and her words reach her tutor.
    studentTeams = await startPlayground({
      botPort: port,
      currentUser: { id: 'user-id-0', name: NOOR.name, aadObjectId: NOOR.entraId, email: NOOR.email },
    });
    await studentTeams.say('Sorry, I have been ill for two weeks.');
    await studentTeams.waitFor(
      (m) => (m.text ?? '').includes('Your personal tutor will read it and get back to you'),
      'the thanks',
      60_000,
    );
    const notice = await tutorTeams.waitFor((m) => cardText(m).includes('Noor Achterberg sent a message'), 'the tutor being told', 60_000);
    expect(cardText(notice)).toContain('Sorry, I have been ill for two weeks.');
  }, 900_000);
});
