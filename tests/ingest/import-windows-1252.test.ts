import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { importMoodleUsers, importSamisRoster } from '../../bot/ingest/identity-imports.command';
import { importExport } from '../../bot/ingest/import.command';
import { parseExport, type CountSource, type ParsedExport } from '../../bot/ingest/parse-export';
import { loadDepartmentCounts } from '../../bot/store/activity.repository';
import { findDepartment } from '../../bot/store/department.repository';
import { findStaff } from '../../bot/store/staff.repository';
import { findStudent } from '../../bot/store/student.repository';
import { readDelimited } from '../../bot/ingest/read-delimited';
import { assertLineLengths } from '../../bot/ingest/line-limit';
import { chooseWithoutBom, createUtf8Scan } from '../../bot/ingest/encoding';
import { CAMPUS, fixture, identityOfBytes, ingestConfig, parseSettings } from './support';

// The exports in tests/fixtures/windows-1252 were written by make.py there: Python's cp1252 codec, CRLF, csv.writer's quoting.
const NOW = new Date('2026-11-28T10:00:00Z');
const NOTE =
  /^read as Windows-1252 \(Excel's "CSV \(Comma delimited\)"\): the file is not UTF-8 \(the first character that is not is on line/;

/**
 * A fixture with `n` plain ASCII lines put after its header, so that its first byte that is not UTF-8 comes megabytes
 * into the file; `spoil` then changes the bytes after the filler (in the file as written, in any encoding).
 */
function withFiller(dir: string, name: string, n: number, filler: (i: number) => string, spoil = (rest: Buffer) => rest): string {
  const bytes = readFileSync(fixture('windows-1252', name));
  const headerEnd = bytes.indexOf('\r\n') + 2;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${filler(i)}\r\n`);
  const path = join(dir, `${n}-${name}`);
  writeFileSync(
    path,
    Buffer.concat([bytes.subarray(0, headerEnd), Buffer.from(lines.join(''), 'ascii'), spoil(bytes.subarray(headerEnd))]),
  );
  return path;
}

const rosterFiller = (i: number) =>
  `S2${String(i).padStart(6, '0')},Smith,Alex,,S2${i}/1,UENG-AFB01,1,C,FT,2026/7,28/09/2026,ENG,English,TUT03,Jones,Sam,s.jones@example.ac.uk`;
// Newest first, as Moodle writes: the filler's day is after the fixture's.
const logFiller = (i: number) =>
  `"31/10/23, ${10 + (i % 10)}:00:00",Sian O'Brien,-,System,System,User has logged in,The user with id '2115' has logged in.,web,192.0.2.${i % 250}`;
const panoptoFiller = (i: number) =>
  `10/27/2023 ${1 + (i % 9)}:00:00 PM,moodle-prod\\so789,5c1f1a4e-0000-4000-8000-000000000003,sian.obrien@example.ac.uk,Lecture ${i % 7},a1a1a1a1-0000-4000-8000-00000000010${i % 7},EN10001: English,f0f0f0f0-0000-4000-8000-000000000002,On Demand,${i % 50}`;

/** What a parse counted, for comparing a Windows-1252 file with its UTF-8 twin. */
const counted = (p: ParsedExport) => ({
  fatal: p.fatal,
  counts: [...p.tally.allCounts()].sort(),
  rows: [p.tally.rowsRead, p.tally.rowsCounted, p.tally.rowsIgnored, p.tally.rowsRejected],
  rejections: p.tally.rejections,
  scope: p.scope,
});

describe.each(DATABASE_KINDS)('exports saved as Windows-1252, imported into an empty database on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  const deps = () => ({ db: t.db, ingest: ingestConfig(), now: () => NOW });
  const run = (source: CountSource, path: string) => importExport({ ...deps(), campusTimeZone: CAMPUS }, { source, path });
  const countsOf = async (department: string) => {
    const out: string[] = [];
    for (const [student, days] of await loadDepartmentCounts(t.db, department, '2000-01-01', '2100-01-01'))
      for (const [day, sources] of days) for (const [source, n] of Object.entries(sources)) out.push(`${student} ${day} ${source} ${n}`);
    return out.sort();
  };
  const importRows = () => t.db.selectFrom('imports').selectAll().orderBy('started_at').orderBy('id').execute();
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    dir = mkdtempSync(join(tmpdir(), 'em-1252-'));
  });
  afterEach(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a Samis roster saved by Excel as "CSV (Comma delimited)" is imported, then the names are stored as written, the summary and history say Windows-1252, and importing it again changes nothing', async () => {
    const path = withFiller(dir, 'roster.csv', 10_000, rosterFiller);
    const summary = await importSamisRoster(deps(), { path });

    expect(summary.errors).toEqual([]);
    expect(summary).toMatchObject({ status: 'succeeded', rowsRead: 10_003, rowsRejected: 0 });
    expect(summary.fileHash).toBe(await identityOfBytes(readFileSync(path)));
    const note = summary.warnings.find((w) => NOTE.test(w));
    expect(note).toMatch(/line 10002, in "S1000001,Núñez,José,jose\.nunez@/);
    expect(await findStudent(t.db, 'S1000001')).toMatchObject({ givenName: 'José', familyName: 'Núñez', departmentId: 'MLC' });
    expect(await findStudent(t.db, 'S1000002')).toMatchObject({ givenName: 'Zoë', familyName: 'Müller, Jr', year: 2, tutorId: 'TUT01' });
    expect(await findStudent(t.db, 'S1000003')).toMatchObject({ givenName: 'Siân', familyName: "O'Brien", tutorId: 'TUT02' });
    expect(await findStudent(t.db, 'S2009999')).toMatchObject({ givenName: 'Alex', departmentId: 'ENG' });
    expect((await findDepartment(t.db, 'MLC'))?.name).toBe('Modern Languages – Études');
    expect((await findStaff(t.db, 'TUT01'))?.displayName).toBe('Seán O’Neill');
    expect((await findStaff(t.db, 'TUT02'))?.displayName).toBe('Ærin Ångström');
    const history = await importRows();
    expect(history.map((r) => [r.source, r.status, Number(r.rows_read)])).toEqual([['samis-roster', 'succeeded', 10_003]]);
    expect(JSON.parse(history[0]?.details ?? '{}').warnings).toContain(note);

    const again = await importSamisRoster(deps(), { path });
    expect(again.status).toBe('already_imported');
    expect(again.fileHash).toBe(summary.fileHash);
  });

  it('when a Moodle site log saved as Windows-1252 has its first accent megabytes in, then every row is counted once, as its UTF-8 twin counts them, and the names resolve', async () => {
    expect((await importSamisRoster(deps(), { path: fixture('windows-1252', 'roster.csv') })).status).toBe('succeeded');
    expect((await importMoodleUsers(deps(), { path: fixture('windows-1252', 'moodle-users.csv') })).status).toBe('succeeded');
    const path = withFiller(dir, 'site-log.csv', 60_000, logFiller);
    const twin = withFiller(dir, 'site-log.utf8.csv', 60_000, logFiller);
    expect(readFileSync(path).length).toBeGreaterThan(7_000_000);

    const settings = parseSettings();
    const parsed = await parseExport(path, 'moodle', settings);
    expect(parsed.read?.encoding).toBe('windows-1252');
    expect(counted(parsed)).toEqual(counted(await parseExport(twin, 'moodle', settings)));
    // In parts on worker threads too: a part that meets a byte that is not UTF-8 sends the whole file back to one reader.
    expect(counted(await parseExport(path, 'moodle', settings, undefined, true, 2))).toEqual(counted(parsed));

    const summary = await run('moodle', path);
    expect(summary.errors).toEqual([]);
    expect(summary).toMatchObject({ status: 'succeeded', rowsRead: 60_003, rowsUnresolved: 0 });
    expect(summary.warnings.find((w) => NOTE.test(w))).toMatch(/line 60002, in ".*"Zoë Müller, Jr"/);
    expect(await countsOf('MLC')).toEqual([
      'S1000001 2023-10-30 moodle_submission 1',
      'S1000002 2023-10-30 moodle_login 1',
      'S1000003 2023-10-29 moodle_login 1',
      'S1000003 2023-10-31 moodle_login 60000',
    ]);
    const rows = (await importRows()).filter((r) => r.format === 'moodle-log');
    expect(rows.map((r) => JSON.parse(r.details).encoding)).toEqual(['windows-1252', 'windows-1252']);
    expect((await run('moodle', path)).status).toBe('already_imported');
    expect(await countsOf('MLC')).toContain('S1000003 2023-10-31 moodle_login 60000');
  });

  it('when a Panopto report saved as Windows-1252 is imported, then it counts as its UTF-8 twin does and says how it was read', async () => {
    await importSamisRoster(deps(), { path: fixture('windows-1252', 'roster.csv') });
    const path = withFiller(dir, 'panopto.csv', 20_000, panoptoFiller);
    const twin = withFiller(dir, 'panopto.utf8.csv', 20_000, panoptoFiller);
    const parsed = await parseExport(path, 'panopto', parseSettings());
    expect(parsed.read?.encoding).toBe('windows-1252');
    expect(counted(parsed)).toEqual(counted(await parseExport(twin, 'panopto', parseSettings())));

    const summary = await run('panopto', path);
    expect(summary.errors).toEqual([]);
    expect(summary).toMatchObject({ status: 'succeeded', rowsRead: 20_002 });
    expect(summary.warnings.find((w) => NOTE.test(w))).toMatch(/line 20002, in ".*Zoë’s café, part 1/);
    const counts = await countsOf('MLC');
    expect(counts.filter((c) => !c.startsWith('S1000003'))).toEqual([
      // Panopto's times are its server's (US Pacific by default): 4:30 PM there is past midnight on campus.
      'S1000001 2023-10-29 panopto_view 1',
      'S1000002 2023-10-30 panopto_view 1',
    ]);
    expect((await run('panopto', path)).status).toBe('already_imported');
  });

  it('when a UTF-8 file without byte-order mark has one stray byte late in it, then it is refused naming that line and nothing is stored', async () => {
    // José's é written as the one byte Windows-1252 has for it; the other accents stay UTF-8.
    const spoil = (rest: Buffer) => Buffer.from(rest.toString('latin1').replace('Jos\u00c3\u00a9', 'Jos\u00e9'), 'latin1');
    const roster = withFiller(dir, 'roster.utf8.csv', 10_000, rosterFiller, spoil);
    const summary = await importSamisRoster(deps(), { path: roster });
    expect(summary.status).toBe('failed');
    expect(summary.errors).toEqual([
      expect.stringMatching(
        /^the file is not valid UTF-8 \(nor is it Windows-1252: its other characters beyond ASCII are UTF-8\): line 10002 has byte 0xE9, which is not UTF-8, in "S1000001,Núñez,Jos\uFFFD,jose/,
      ),
    ]);
    expect(await findStudent(t.db, 'S2000000')).toBeUndefined();

    const log = withFiller(dir, 'site-log.utf8.csv', 60_000, logFiller, (rest) =>
      Buffer.from(rest.toString('latin1').replace('Jos\u00c3\u00a9', 'Jos\u00e9'), 'latin1'),
    );
    const logSummary = await run('moodle', log);
    expect(logSummary.status).toBe('failed');
    expect(logSummary.errors[0]).toMatch(
      /not valid UTF-8 .*: line 60003 has byte 0xE9, which is not UTF-8, in ""30\/10\/23, 08:01:40",Jos\uFFFD N/,
    );
    expect(await countsOf('MLC')).toEqual([]);
    // The roster's run, and the log's, one per count source it holds.
    expect((await importRows()).map((r) => [r.source, r.status])).toEqual([
      ['samis-roster', 'failed'],
      ['moodle_login', 'failed'],
      ['moodle_submission', 'failed'],
    ]);
  });
});

describe('reading a file that is not UTF-8', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'em-1252-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The records of a file read as an import reads it: the line-length check's pass says whether it is UTF-8. */
  async function records(path: string): Promise<{ encoding: string; rows: string[][] } | { refused: string }> {
    const rows: string[][] = [];
    try {
      const { notUtf8At } = await assertLineLengths(path, 1 << 20);
      const withoutBom = await chooseWithoutBom(path, notUtf8At);
      const read = await readDelimited(path, { delimiter: 'auto', withoutBom, onRecord: (fields) => (rows.push(fields), true) });
      return { encoding: read.encoding, rows };
    } catch (error) {
      return { refused: (error as Error).message };
    }
  }

  it("when a file holds every character Windows-1252 has, then each reads as Python's cp1252 codec wrote it", async () => {
    const read = await records(fixture('windows-1252', 'every-character.csv'));
    const reference = await records(fixture('windows-1252', 'every-character.utf8.csv'));
    expect(reference).toMatchObject({ encoding: 'utf-8' });
    expect(read).toEqual({ ...reference, encoding: 'windows-1252' });
    expect(JSON.stringify(read)).toContain('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
  });

  it('when a file holds a byte Windows-1252 does not define, then it is refused naming the line and the byte', async () => {
    const path = join(dir, 'mac.csv');
    writeFileSync(
      path,
      Buffer.concat([readFileSync(fixture('windows-1252', 'roster.csv')), Buffer.from('S1000009,M\x9dller,Ana\r\n', 'latin1')]),
    );
    expect(await records(path)).toEqual({
      refused:
        'the file is neither UTF-8 nor Windows-1252 (Excel\'s "CSV (Comma delimited)"): line 5 has byte 0x9D, which Windows-1252 does not define, in "S1000009,M\uFFFDller,Ana"; the file is in some other encoding: save the export as "CSV UTF-8" and import it again',
    });
  });

  it('when a file claims UTF-8 or UTF-16 by its byte-order mark and has bytes that are not, then it is refused naming the line and what is there', async () => {
    const bom = join(dir, 'bom.csv');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(fixture('windows-1252', 'roster.csv'))]));
    expect(await records(bom)).toEqual({
      refused: expect.stringMatching(
        /^the file is not valid UTF-8, although it starts with the UTF-8 byte-order mark: line 2 has byte 0xFA, which is not UTF-8, in "S1000001,N\uFFFD\uFFFDez,Jos/,
      ),
    });
    const utf16 = join(dir, 'teams.csv');
    const text = 'Name\tEmail\r\nZoë Müller\tzoe@example.ac.uk\r\nJosé \ud800Núñez\tjose@example.ac.uk\r\n';
    const units = Buffer.from(text, 'utf16le');
    // A lone high surrogate, written as it is.
    expect(units.indexOf(Buffer.from([0x00, 0xd8, 0x4e, 0x00]))).toBeGreaterThan(0);
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), units]));
    expect(await records(utf16)).toEqual({
      refused: expect.stringMatching(
        /^the file is not valid UTF-16LE, although it starts with the UTF-16LE byte-order mark: line 3 has byte 0x00, .*in "José \uFFFDNúñez/,
      ),
    });
  });

  it('when the UTF-8 check is fed a file in blocks cut anywhere, then it finds the first bad byte exactly, or none', () => {
    const good = Buffer.from('Zoë Müller,José Núñez,€ 𝄞 ok\n', 'utf8');
    const bad = Buffer.concat([good, Buffer.from([0xe9]), good]);
    const cut = Buffer.concat([good, Buffer.from([0xe2, 0x82])]);
    for (const [bytes, expected] of [
      [good, -1],
      [bad, good.length],
      [cut, good.length],
    ] as const) {
      for (let k = 0; k <= bytes.length; k++) {
        const scan = createUtf8Scan();
        scan.feed(bytes.subarray(0, k));
        scan.feed(bytes.subarray(k));
        expect({ k, at: scan.end() }).toEqual({ k, at: expected });
      }
    }
  });
});
