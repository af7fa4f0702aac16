import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './support';
import { runCliInProcess } from '../support/cli';

async function cli(args: string[], dir: string) {
  const result = await runCliInProcess(args, { DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}` });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr.join('\n') };
}

describe('engagement import', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'em-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when a good file is imported with --json, then it exits 0 and prints the summary', async () => {
    const out = await cli(['import', 'moodle', fixture('moodle', 'site-log.csv'), '--json'], dir);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ status: 'succeeded', rowsRead: 10, rowsIgnored: 3, unresolved: { total: 4 } });
  });

  it('when one of several files is broken, then every file gets a summary and the exit code is 1', async () => {
    const out = await cli(['import', 'moodle', fixture('moodle', 'site-log.csv'), fixture('broken', 'moodle-french.csv')], dir);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('site-log.csv: imported (moodle-log)');
    expect(out.stdout).toMatch(/moodle-french\.csv: NOT imported\n {2}error: line 1: the header is not one this tool reads for moodle/);
  });

  it.each([
    [['import', 'blackboard', 'x.csv'], /"blackboard" is not a source this tool imports; use one of: moodle, panopto, teams/],
    [['import', 'teams', 'x.csv', '--locale', 'fr-FR'], /--locale "fr-FR" is not supported; use en-GB \(day first\) or en-US/],
    [['import', 'panopto', 'x.csv', '--timezone', 'Mars/Olympus'], /--timezone "Mars\/Olympus" is not a time zone/],
    [['import', 'panopto', 'x.csv', '--from', '2023-10-09'], /give both --from and --to/],
  ])('when the command line is wrong (%j), then it exits 1 with a specific message', async (args, message) => {
    const out = await cli(args, dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
  });
});
