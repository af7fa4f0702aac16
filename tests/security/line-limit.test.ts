import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNT_FORMATS, parseExport } from '../../bot/ingest/parse-export';
import { parseInParts } from '../../bot/ingest/parse-parallel';
import { startTestApp, type RunningApp } from '../support/app';
import { buildStaff, seedDepartment, seedPeople } from '../support/factories';
import { fixture, parseSettings } from '../ingest/support';

const SITE_LOG = readFileSync(fixture('moodle', 'site-log.csv'), 'utf8');
const admin = buildStaff({ departmentId: 'dept-a', roles: ['department_admin'] });

describe('a line-length cap on imports', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'em-lines-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([true, false])(
    'when a genuine export has one line longer than the cap (fast reader %s), then the file is refused naming that line, with CR LF or LF',
    async (fastPath) => {
      const [header, first, ...rest] = SITE_LOG.split(/\r?\n/);
      for (const eol of ['\n', '\r\n']) {
        const path = join(dir, `long-${fastPath}-${eol.length}.csv`);
        writeFileSync(path, [header, first, `${first},${'x'.repeat(5000)}`, ...rest].join(eol));
        const parsed = await parseExport(path, 'moodle', parseSettings({ maxLineBytes: 4096 }), undefined, fastPath);
        expect(parsed.fatal).toMatch(/^line 3 is longer than 4 KB, the most a line may be \(UPLOAD_MAX_LINE_BYTES\)/);
        expect(parsed.tally.rowsCounted).toBe(0);
      }
      const fine = await parseExport(
        fixture('moodle', 'site-log.csv'),
        'moodle',
        parseSettings({ maxLineBytes: 4096 }),
        undefined,
        fastPath,
      );
      expect(fine.fatal).toBeNull();
    },
  );

  it('when a log read in parts on worker threads has one line longer than the cap in its last part, then the file is refused naming that line', async () => {
    const lines = SITE_LOG.split(/\r?\n/).filter((l) => l !== '');
    const [header, ...rows] = lines as [string, ...string[]];
    const body = Array.from({ length: 400 }, (_, n) => rows[n % rows.length] as string);
    body[350] = `${body[350] as string},${'x'.repeat(5000)}`;
    const path = join(dir, 'long-in-parts.csv');
    writeFileSync(path, [header, ...body, ''].join('\n'));
    for (const parts of [2, 3]) {
      // Under the default cap the same file is counted in parts, so the refusal below is the parts' own.
      expect((await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, parts))?.fatal).toBeNull();
      const parsed = await parseExport(path, 'moodle', parseSettings({ maxLineBytes: 4096 }), undefined, true, parts);
      expect(parsed.fatal).toMatch(/^line 352 is longer than 4 KB, the most a line may be \(UPLOAD_MAX_LINE_BYTES\)/);
      expect(parsed.tally.rowsCounted).toBe(0);
    }
    // Counted on this thread and one worker, the long line in either part: the parts give way, and the whole-file read refuses it.
    for (const share of [0.3, 0.95]) {
      expect(await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, undefined, share)).not.toBeNull();
      expect(
        await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings({ maxLineBytes: 4096 }), undefined, undefined, share),
      ).toBeNull();
    }
  });

  it.each([true, false])(
    'when 40 MB arrive without a line break (fast reader %s), then the file is refused without holding it in memory',
    async (fastPath) => {
      const path = join(dir, `flat-${fastPath}.csv`);
      writeFileSync(path, 'Time,User full name,'.padEnd(40 * 1024 * 1024, 'a'));
      global.gc?.();
      const before = process.memoryUsage().rss;
      const parsed = await parseExport(path, 'moodle', parseSettings(), undefined, fastPath);
      const grew = (process.memoryUsage().rss - before) / 1024 / 1024;
      expect(parsed.fatal).toMatch(/^line 1 is longer than 1024 KB/);
      expect(grew).toBeLessThan(30);
    },
  );

  describe('through the upload endpoint', () => {
    let server: RunningApp;
    beforeAll(async () => {
      server = await startTestApp({ UPLOAD_MAX_LINE_BYTES: '65536' });
      await seedDepartment(server.app.db);
      await seedPeople(server.app.db, { staff: [admin] });
    });
    afterAll(async () => server?.close());

    it('when an administrator uploads a file with a line over UPLOAD_MAX_LINE_BYTES, then it is a 422 naming the line and nothing is stored', async () => {
      const res = await fetch(`${server.baseUrl}/api/data/imports?source=moodle&fileName=flat.csv`, {
        method: 'POST',
        headers: { authorization: `Local ${admin.id}`, 'content-type': 'application/octet-stream' },
        body: `${SITE_LOG.split('\n')[0]}\n${'y'.repeat(200_000)}\n`,
      });
      const body = (await res.json()) as { message: string };
      expect(res.status).toBe(422);
      expect(body.message).toContain('line 2 is longer than 64 KB');
      expect(await server.app.db.selectFrom('imports').selectAll().execute()).toEqual([]);
    });
  });
});
