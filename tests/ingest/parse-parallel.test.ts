import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNT_FORMATS, parseExport, type ParsedExport } from '../../bot/ingest/parse-export';
import { parseInParts } from '../../bot/ingest/parse-parallel';
import { writeMoodleLog } from '../../bench/benchmarks/moodle-log-generator';
import { fixture, parseSettings, submissionAcrossParts } from './support';
import { readDelimited, readPlainHeader } from '../../bot/ingest/read-delimited';

/** Everything a parse gives that an import uses (its duration aside). */
const outcome = (p: ParsedExport | null) =>
  p && {
    format: p.format?.id ?? null,
    fatal: p.fatal,
    scope: p.scope,
    read: p.read,
    counts: [...p.tally.allCounts()].sort(),
    rows: [p.tally.rowsRead, p.tally.rowsCounted, p.tally.rowsIgnored, p.tally.rowsRejected],
    days: [p.tally.firstDay, p.tally.lastDay],
    rejections: p.tally.rejections,
    warnings: p.tally.warnings,
    sources: [...p.tally.sources],
  };

/** xorshift32, so a failing case can be found again from its seed. */
function randomFrom(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const SPOILERS: Array<(line: string) => string> = [
  (l) => l.replace(',web,', ',web,extra,'),
  (l) => l.replace(/^"\d+\//, '"31/'),
  (l) => l.replace("The user with id '", "The user with id 'x"),
  (l) => l.replace(',web,', ',"web\nwith a line break",'),
  (l) => l.replace(',-,', ',"-,'),
];

describe('counting a large export in parts on worker threads', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'em-parts-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when spoilt Moodle logs of every shape are counted in 2 or 3 parts, then the result is the one the whole-file read gives', async () => {
    let takenInParts = 0;
    let takenHere = 0;
    for (const [i, shape] of [
      { timeFormat: '4.x', lineEnd: '\n' },
      { timeFormat: '3.x', lineEnd: '\r\n' },
      { timeFormat: '3.x', lineEnd: '\n' },
      { timeFormat: '4.x', lineEnd: '\r\n' },
    ].entries() as Iterable<[number, { timeFormat: '3.x' | '4.x'; lineEnd: '\n' | '\r\n' }]>) {
      const clean = join(dir, `clean-${i}.csv`);
      await writeMoodleLog(clean, { rows: 3000, ...shape });
      const next = randomFrom(i + 11);
      const lines = readFileSync(clean, 'utf8').split(shape.lineEnd);
      const spoilt = lines.map((l, n) =>
        n > 0 && l !== '' && next(25) === 0 ? (SPOILERS[next(SPOILERS.length)] as (l: string) => string)(l) : l,
      );
      const path = join(dir, `spoilt-${i}.csv`);
      writeFileSync(path, spoilt.join(shape.lineEnd));

      const whole = outcome(await parseExport(path, 'moodle', parseSettings(), undefined, true, 1));
      expect(whole?.rejections.length).toBeGreaterThan(5);
      for (const parts of [2, 3]) {
        // In parts when every cut falls between records; else the same call reads the file in one piece.
        const inParts = await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, parts);
        if (inParts) takenInParts += 1;
        const result = inParts ?? (await parseExport(path, 'moodle', parseSettings(), undefined, true, parts));
        expect({ shape, parts, ...outcome(result) }).toEqual({ shape, parts, ...whole });
      }
      // This thread and one worker, the worker's counts taken over as numbers.
      for (const share of [0.3, 0.5, 0.7]) {
        const here = await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, undefined, share);
        if (here) takenHere += 1;
        expect({ shape, share, ...outcome(here ?? (await parseExport(path, 'moodle', parseSettings(), undefined, true, 1))) }).toEqual({
          shape,
          share,
          ...whole,
        });
      }
    }
    // Most cuts fall between records; the ones inside a quoted line break were read in one piece instead.
    expect(takenInParts).toBeGreaterThan(4);
    expect(takenHere).toBeGreaterThan(6);
  });

  it('when a cut falls inside a quoted field that runs over many lines, then the parts are refused and the file is read in one piece', async () => {
    const path = join(dir, 'long-field.csv');
    const header = 'Time,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"\n';
    const row = (description: string) => `"4/11/23, 11:18:42",Ann,-,System,System,"User has logged in","${description}",web,10.0.0.1\n`;
    const longField = Array.from({ length: 400 }, (_, n) => `line ${n} of a pasted message`).join('\n');
    writeFileSync(
      path,
      header +
        row("The user with id '5' has logged in.") +
        row(`The user with id '6' has logged in. ${longField}`) +
        row("The user with id '7' has logged in."),
    );

    expect(await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, 2)).toBeNull();
    const inParts = outcome(await parseExport(path, 'moodle', parseSettings(), undefined, true, 2));
    expect(inParts?.rows).toEqual([3, 3, 0, 0]);
    expect(inParts).toEqual(outcome(await parseExport(path, 'moodle', parseSettings(), undefined, true, 1)));
  });

  it('when a course-level log with no logins is counted in parts, then logins are withdrawn with the same warning as in one piece', async () => {
    const path = join(dir, 'course-level.csv');
    await writeMoodleLog(path, { rows: 2000 });
    const noLogins = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => !l.includes('"User has logged in"'))
      .join('\n');
    writeFileSync(path, noLogins);

    const whole = outcome(await parseExport(path, 'moodle', parseSettings(), undefined, true, 1));
    for (const inParts of [
      await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, 3),
      await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, undefined, 0.5),
    ]) {
      expect(inParts?.tally.sources.has('moodle_login')).toBe(false);
      expect(inParts?.tally.warnings).toHaveLength(1);
      expect(outcome(inParts)).toEqual(whole);
    }
  });

  it("when one student's created and submitted events for one assignment and day fall in different parts, then it is one submission, as in one piece", async () => {
    const path = join(dir, 'split-submission.csv');
    writeFileSync(path, submissionAcrossParts());
    const whole = await parseExport(path, 'moodle', parseSettings(), undefined, true, 1);
    expect(whole.tally.allCounts().get('moodle:2113\u001f2023-11-15\u001fmoodle_submission')).toBe(1);

    for (const parts of [2, 3]) {
      const inParts = await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, parts);
      expect(inParts).not.toBeNull();
      expect({ parts, ...outcome(inParts) }).toEqual({ parts, ...outcome(whole) });
    }
    // On this thread and a worker, cut before, between and after the two events: taken over as numbers, still one submission.
    for (const share of [0.2, 0.4, 0.5, 0.6, 0.8]) {
      const here = await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, undefined, share);
      expect(here).not.toBeNull();
      expect({ share, ...outcome(here) }).toEqual({ share, ...outcome(whole) });
    }
  });

  it('when every Moodle fixture and broken file is counted in parts, then each gives what the whole-file read gives', async () => {
    const files = ['moodle', 'broken'].flatMap((folder) => readdirSync(fixture(folder)).map((name) => fixture(folder, name)));
    for (const file of files) {
      const whole = outcome(await parseExport(file, 'moodle', parseSettings(), undefined, true, 1));
      expect({ file, ...outcome(await parseExport(file, 'moodle', parseSettings(), undefined, true, 2)) }).toEqual({ file, ...whole });
      const here = await parseInParts(file, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, undefined, 0.5);
      if (here) expect({ file, ...outcome(here) }).toEqual({ file, ...whole });
    }
  });

  it("when a file's first line is a plain record, then the header read from the first block alone is the one Papa Parse reads, else it is left to Papa Parse", async () => {
    /** The first record that is not empty, as Papa Parse alone reads it (a file that is not UTF-8 read as Windows-1252, as imports read it). */
    const papaHeader = async (path: string) => {
      let header: string[] | null = null;
      const read = (withoutBom: 'utf-8' | 'windows-1252') =>
        readDelimited(path, {
          delimiter: 'auto',
          fastPath: false,
          withoutBom,
          onRecord: (fields, _line, problem) => {
            if (fields.length === 1 && fields[0] === '' && !problem) return true;
            header = problem ? null : [...fields];
            return false;
          },
        });
      // A file refused in both (a byte-order mark over bytes that are not UTF-8): undefined, no header to compare.
      const readable = await read('utf-8')
        .catch(() => read('windows-1252'))
        .then(() => true)
        .catch(() => false);
      return readable ? header : undefined;
    };
    const crafted = {
      'quoted-break.csv': '"Time","User\nfull name",Event\n"4/11/23, 11:18",Ann,x\n',
      'blank-first.csv': '\nTime,Event\n1,2\n',
      'cr-only.csv': 'Time,Event\r1,2\r3,4\n',
      'tabs.csv': 'Name\tEmail\tDuration\nAnn\tann@example.ac.uk\t3 min\n',
      'quoted-header.csv': '\uFEFF"Time","User full name","Event, with comma"\r\n1,2,3\r\n',
    };
    for (const [name, text] of Object.entries(crafted)) writeFileSync(join(dir, name), text);
    const files = [
      ...readdirSync(fixture())
        .filter((folder) => statSync(fixture(folder)).isDirectory())
        .flatMap((folder) => readdirSync(fixture(folder)).map((name) => fixture(folder, name)))
        .filter((path) => statSync(path).isFile()),
      ...Object.keys(crafted).map((name) => join(dir, name)),
    ];
    let plain = 0;
    for (const path of files) {
      const header = await readPlainHeader(path).catch(() => null);
      if (header === null) continue;
      plain += 1;
      const reference = await papaHeader(path);
      // A file no reader reads is refused whatever its first line says.
      if (reference === undefined) expect((await parseExport(path, 'moodle', parseSettings())).fatal).toMatch(/not valid/);
      else expect({ path, header }).toEqual({ path, header: reference });
    }
    expect(plain).toBeGreaterThan(20);
    for (const name of ['quoted-break.csv', 'blank-first.csv', 'cr-only.csv']) expect(await readPlainHeader(join(dir, name))).toBeNull();
    expect(await readPlainHeader(join(dir, 'tabs.csv'))).toEqual(['Name', 'Email', 'Duration']);
    expect(await readPlainHeader(join(dir, 'quoted-header.csv'))).toEqual(['Time', 'User full name', 'Event, with comma']);
  });
});
