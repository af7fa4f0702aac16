import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli';
import { createDatabase, migrateToLatest } from '../../bot/store/database';
import { loadDemo } from '../../bot/demo/load-demo.command';
import { generateDemoDepartment } from '../../bot/demo/generate';
import { listAudit } from '../../bot/store/audit.repository';

const TODAY = '2026-11-27';

/** Runs the CLI in process against the given database: what it printed, or its one-line error as a rejection. */
async function run(databaseUrl: string, args: string[]): Promise<string> {
  const result = await runCliInProcess(args, { DATABASE_URL: databaseUrl });
  if (result.code !== 0) throw new Error(result.stderr.join('\n'));
  return result.stdout.replace(/\n$/, '');
}

describe('engagement evaluate', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-cli-'));
    url = `sqlite:${join(dir, 'cli.sqlite')}`;
    const db = createDatabase({ kind: 'sqlite', path: join(dir, 'cli.sqlite') });
    await migrateToLatest(db);
    await loadDemo(db, { seed: 42, today: TODAY, now: `${TODAY}T08:00:00.000Z` });
    await db.destroy();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when run with --json, then every flag is printed with its rules and reasons, and a re-run opens nothing', async () => {
    const first = JSON.parse(await run(url, ['evaluate', '--as-of', TODAY, '--json'])) as {
      asOf: string;
      departments: Array<{ opened: number; flags: Array<{ rules: string[]; reason: string; findings: unknown[] }> }>;
    };
    const again = JSON.parse(await run(url, ['evaluate', '--today', TODAY, '--json'])) as typeof first;
    expect(first.asOf).toBe(TODAY);
    expect(first.departments[0]?.opened).toBe(first.departments[0]?.flags.length);
    expect(
      first.departments[0]?.flags.every((f) => f.rules.length > 0 && f.reason.length > 0 && f.findings.length === f.rules.length),
    ).toBe(true);
    expect(again.departments[0]?.opened).toBe(0);
  });

  it('when asked to explain a student, then the decision is printed in words with counts beside cohort medians', async () => {
    const fading = generateDemoDepartment(42, TODAY).students.find((s) => s.profile === 'fading')!;
    const text = await run(url, ['evaluate', '--as-of', TODAY, '--explain', fading.id]);
    expect(text).toContain(
      `${fading.givenName} ${fading.familyName} (${fading.id}, ${fading.programme} year ${fading.year}): flagged, high severity.`,
    );
    expect(text).toContain('  No engagement: fired: ');
    expect(text).toMatch(/Moodle logins +0 \(\d+(\.\d)?\) +0 \(\d+/);
  });

  it('when the student to explain is not on any roster, then it fails with a clear message', async () => {
    await expect(run(url, ['evaluate', '--explain', 'nobody'])).rejects.toThrow('No student with id "nobody" is on any roster.');
  });

  it('when a department is given invalid rule settings, then they are refused naming every problem', async () => {
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify({ sharpDrop: { ratio: 2 }, silentSorce: {} }));
    await expect(run(url, ['rules-config', 'demo-natsci', '--set', file])).rejects.toThrow(
      'Invalid rule configuration: sharpDrop.ratio must be below 1; unknown setting "silentSorce"',
    );
    writeFileSync(file, JSON.stringify({ noEngagement: { days: 10 } }));
    const saved = JSON.parse(await run(url, ['rules-config', 'demo-natsci', '--set', file, '--json'])) as {
      noEngagement: { days: number };
      sharpDrop: { ratio: number };
    };
    expect(saved.noEngagement.days).toBe(10);
    expect(saved.sharpDrop.ratio).toBe(0.25);
    // The change is audited like one made in the tab, setting by setting.
    const db = createDatabase({ kind: 'sqlite', path: join(dir, 'cli.sqlite') });
    try {
      const audit = await listAudit(db, 20);
      expect(audit.filter((a) => a.action === 'changed_rule_settings')).toEqual([
        expect.objectContaining({
          actorId: null,
          subjectId: 'demo-natsci',
          detail: { changes: [{ setting: 'noEngagement.days', before: 14, after: 10 }], by: 'command line' },
        }),
      ]);
    } finally {
      await db.destroy();
    }
  });
});
