import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli';

describe('the privacy commands of engagement', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'privacy-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'd.sqlite')}` };
    expect((await runCliInProcess(['demo', '--json'], env)).code).toBe(0);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when retention runs as a dry run, then it lists every kind with its rule and deletes nothing', async () => {
    const dry = await runCliInProcess(['retention', '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    const summary = JSON.parse(dry.stdout) as { dryRun: boolean; results: Array<{ kind: string; rule: string }> };
    expect(summary.dryRun).toBe(true);
    expect(summary.results.map((r) => r.kind)).toEqual([
      'student messages',
      'closed cases and timelines',
      'card deliveries',
      'daily counts',
      'import records',
      'students who left',
      'audit entries',
    ]);
    const human = await runCliInProcess(['retention', '--dry-run'], env);
    expect(human.stdout).toContain('Would delete (dry run, nothing deleted):');
  });

  it('when a subject access report is written, then the JSON and the printable page name the student', async () => {
    const out = join(dir, 'sar.json');
    const run = await runCliInProcess(['subject-access', 'missing-student', '--out', out], env);
    expect(run.code).toBe(1);
    expect(run.stderr.join('\n')).toContain('There is no student "missing-student"');
    const id = await firstStudentId(env);
    const ok = await runCliInProcess(['subject-access', id, '--out', out], env);
    expect(ok.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { student: { id: string } };
    expect(report.student.id).toBe(id);
    expect(readFileSync(join(dir, 'sar.html'), 'utf8')).toContain(`<td>${id}</td>`);
  });

  it('when erasure is asked without --yes, then nothing is erased and the command says how to confirm', async () => {
    const id = await firstStudentId(env);
    const run = await runCliInProcess(['erase', id, '--reason', 'request 7'], env);
    expect(run.code).toBe(1);
    expect(run.stderr.join('\n')).toContain('cannot be undone: run again with --yes');
    expect((await runCliInProcess(['erase', id, '--reason', 'request 7', '--yes'], env)).code).toBe(0);
    expect((await runCliInProcess(['erase', id, '--reason', 'request 7', '--yes'], env)).stderr.join('\n')).toContain(
      'There is no student',
    );
  });
});

async function firstStudentId(env: Record<string, string>): Promise<string> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(env.DATABASE_URL!.slice('sqlite:'.length), { readonly: true });
  try {
    return (db.prepare('select id from students order by id limit 1').get() as { id: string }).id;
  } finally {
    db.close();
  }
}
