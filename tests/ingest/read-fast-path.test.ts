import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import { guessLineEnd, readDelimited, splitPlainLine, type ReadResult } from '../../bot/ingest/read-delimited';
import { parseExport } from '../../bot/ingest/parse-export';
import { isTimeOfDayAt } from '../../bot/ingest/formats/moodle';
import { writeMoodleLog } from '../../bench/benchmarks/moodle-log-generator';
import { fixture, parseSettings } from './support';

interface Read {
  records: Array<[string[], number, string | null]>;
  result: ReadResult;
}

async function readAll(path: string, fastPath: boolean, stopAfter = Infinity): Promise<Read> {
  const records: Read['records'] = [];
  const result = await readDelimited(path, {
    delimiter: 'auto',
    fastPath,
    onRecord: (fields, line, problem) => (records.push([[...fields], line, problem]), records.length < stopAfter),
  });
  return { records, result };
}

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

const PLAIN = [
  '4/11/23, 11:18:42',
  'Siân Ó Briain',
  '-',
  'Course: Physics, Year 1',
  'System',
  'User has logged in',
  "The user with id '2113' has logged in.",
  'web',
  '10.0.0.1',
  '',
];
const ODD = ['say "hi"', '"', '""', 'a\nb', ' "x" ', 'x"y', 'a,b', '\t', 'é,ü'];
// A lone CR near the start can make Papa Parse (and so the reader) take CR as the line end, so only some files get one.
const ODD_WITH_CR = [...ODD, 'a\r\nb', '\r'];

/** A Moodle-like line: mostly the download's shape, now and then a doubled quote, a stray quote, a line break in a field, a missing field or a cut-off quote. */
function randomLine(next: (n: number) => number, odd: readonly string[]): string {
  const width = next(10) === 0 ? 1 + next(12) : 9;
  const fields: string[] = [];
  for (let i = 0; i < width; i++) {
    const value = next(8) === 0 ? (odd[next(odd.length)] as string) : (PLAIN[next(PLAIN.length)] as string);
    const style = next(100);
    if (style < 8) fields.push(value);
    else if (style === 8) fields.push(`"${value}`);
    else if (style === 9) fields.push(`"${value}" `);
    else if (/[",\n\r ]/.test(value) || style < 50) fields.push(`"${value.replace(/"/g, '""')}"`);
    else fields.push(value);
  }
  return fields.join(',');
}

describe('the fast line reader', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'em-fast-path-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when a line holds only plain and simply quoted fields, then it is split as Papa Parse would, commas inside quotes included', () => {
    expect(splitPlainLine('"4/11/23, 11:18:42","Siân Ó Briain",-,,"",web', ',')).toEqual([
      '4/11/23, 11:18:42',
      'Siân Ó Briain',
      '-',
      '',
      '',
      'web',
    ]);
    expect(splitPlainLine('', ',')).toEqual(['']);
    expect(splitPlainLine('a,', ',')).toEqual(['a', '']);
  });

  it('when a quoted field holds doubled quotes, as PHP fputcsv writes them, then each pair is read as one quote', () => {
    expect(splitPlainLine('a,"say ""hi""",b', ',')).toEqual(['a', 'say "hi"', 'b']);
    expect(splitPlainLine('"""",""""""', ',')).toEqual(['"', '""']);
    expect(splitPlainLine('"Forum: ""Ask anything"", week 4",x', ',')).toEqual(['Forum: "Ask anything", week 4', 'x']);
  });

  it('when a line has a stray quote, text after a closing quote or an unclosed quote, then the fast split declines it', () => {
    for (const line of ['a,x"y,b', 'a,"x" ,b', 'a,"open', '"a"b', 'a,"x""', 'a,"x"""y"']) expect(splitPlainLine(line, ',')).toBeNull();
  });

  it('when a line is split where it lies inside a longer text, then it gives what splitting the line alone gives, and Papa Parse agrees', () => {
    // Lines of the characters that matter (quote, comma, CR, LF) and plain text, placed between arbitrary text on both sides.
    const piece = fc.constantFrom('"', ',', '""', 'a', 'bc', ' ', '\r', "O'Brien");
    const line = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(line, line, line, (before, text, after) => {
        const alone = splitPlainLine(text, ',');
        expect(splitPlainLine(before + text + after, ',', before.length, before.length + text.length)).toEqual(alone);
        if (alone !== null && !text.includes('\r')) {
          const papa = Papa.parse<string[]>(text, { delimiter: ',', quoteChar: '"', newline: '\n' });
          expect(papa.errors).toEqual([]);
          expect(papa.data[0] ?? ['']).toEqual(alone);
        }
      }),
      { numRuns: 3000, seed: 18 },
    );
  });

  it('when the line end is guessed, then it follows Papa Parse: LF, CRLF, or CR, quoted text left out', () => {
    expect(guessLineEnd('a,b\nc,d\n')).toBe('\n');
    expect(guessLineEnd('a,b\r\nc,d\r\n')).toBe('\r\n');
    expect(guessLineEnd('"x\r\ny"\na\n')).toBe('\n');
    expect(guessLineEnd('a\rb\rc\r\n')).toBe('\r');
    for (const text of ['a,b\nc', 'a\r\nb\rc\r\n', '"a\r\n"\r\nb', 'x"y\r\n"z\n', 'a\rb\r\nc\r\nd\r\n']) {
      expect([text, guessLineEnd(text)]).toEqual([text, Papa.parse(text).meta.linebreak]);
    }
  });

  it('when generated files with odd lines are read, then the fast path gives the same records, problems, line numbers, hash and ends as Papa Parse alone', async () => {
    for (let seed = 1; seed <= 180; seed++) {
      const next = randomFrom(seed * 7919);
      const lines = Array.from({ length: 1 + next(40) }, () => randomLine(next, seed % 10 === 0 ? ODD_WITH_CR : ODD));
      // One file in three has CRLF line ends, as a Windows hand or an export written with "\r\n" has them.
      const eol = seed % 3 === 0 ? '\r\n' : '\n';
      const ending = next(4) === 0 ? '' : eol;
      const path = join(dir, `gen-${seed}.csv`);
      writeFileSync(path, `${next(2) === 0 ? '\uFEFF' : ''}Time,"User full name",x${eol}${lines.join(eol)}${ending}`);

      const slow = await readAll(path, false);
      const fast = await readAll(path, true);

      expect({ seed, ...fast }).toEqual({ seed, ...slow });
    }
  });

  it('when the reader is told to stop, then the fast path stops at the same record', async () => {
    const path = join(dir, 'stop.csv');
    writeFileSync(path, 'a,b\n1,2\n"3\n4",5\n6,7\n');

    const slow = await readAll(path, false, 3);
    const fast = await readAll(path, true, 3);

    expect(fast.records).toEqual(slow.records);
    expect(fast.records).toHaveLength(3);
  });

  it('when every fixture and broken file is parsed, then both paths give identical tallies, rejections and errors', async () => {
    const files = ['moodle', 'broken'].flatMap((folder) => readdirSync(fixture(folder)).map((name) => fixture(folder, name)));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const parse = async (fastPath: boolean) => {
        const parsed = await parseExport(file, 'moodle', parseSettings(), undefined, fastPath);
        return {
          file,
          fatal: parsed.fatal,
          counts: [...parsed.tally.allCounts()],
          rejections: parsed.tally.rejections,
          read: parsed.tally.rowsRead,
          ignored: parsed.tally.rowsIgnored,
          hash: parsed.read?.fileHash,
        };
      };
      expect(await parse(true)).toEqual(await parse(false));
    }
  });

  it('when a generated Moodle log is spoiled here and there, then both paths count, reject and date every row the same', async () => {
    const clean = join(dir, 'clean.csv');
    await writeMoodleLog(clean, { rows: 3000 });
    const lines = readFileSync(clean, 'utf8').split('\n');
    const next = randomFrom(42);
    const spoilers: Array<(line: string) => string> = [
      (l) => l.replace('has logged in.', 'has ""really"" logged in.'),
      (l) => l.replace(',web,', ',"web, mobile",'),
      (l) => l.replace(',web,', ',web,extra,'),
      (l) => l.replace(/^"\d+\//, '"31/'),
      (l) => l.replace(/, \d\d:/, ', 27:'),
      (l) => l.replace('"Student', '"Student\nSecond line'),
      (l) => l.replace("The user with id '", "The user with id '0"),
      (l) => l.replace('-,', ' "-",'),
    ];
    const spoilt = lines.map((line, i) =>
      i > 0 && line !== '' && next(20) === 0 ? (spoilers[next(spoilers.length)] as (l: string) => string)(line) : line,
    );
    const path = join(dir, 'spoilt.csv');
    writeFileSync(path, spoilt.join('\n'));

    const parse = async (fastPath: boolean, sourceTimeZone: string) => {
      const parsed = await parseExport(path, 'moodle', parseSettings({ sourceTimeZone }), undefined, fastPath);
      return {
        fatal: parsed.fatal,
        counts: [...parsed.tally.allCounts()].sort(),
        rejections: parsed.tally.rejections,
        counted: parsed.tally.rowsCounted,
        ignored: parsed.tally.rowsIgnored,
        days: [parsed.tally.firstDay, parsed.tally.lastDay],
      };
    };
    for (const zone of ['UTC', 'Europe/London']) {
      const fast = await parse(true, zone);

      expect(fast.rejections.length).toBeGreaterThan(10);
      expect(fast).toEqual(await parse(false, zone));
    }
  });

  it('when Moodle logs in every genuine shape (3.x and 4.x times, LF and CRLF) are parsed, then both paths give the same tally', async () => {
    for (const timeFormat of ['3.x', '4.x'] as const) {
      for (const lineEnd of ['\n', '\r\n'] as const) {
        const path = join(dir, `shape-${timeFormat}-${lineEnd.length}.csv`);
        await writeMoodleLog(path, { rows: 4000, timeFormat, lineEnd });
        const parse = async (fastPath: boolean) => {
          const parsed = await parseExport(path, 'moodle', parseSettings(), undefined, fastPath);
          return {
            fatal: parsed.fatal,
            counts: [...parsed.tally.allCounts()].sort(),
            rejections: parsed.tally.rejections,
            read: parsed.tally.rowsRead,
          };
        };
        const fast = await parse(true);

        expect({ timeFormat, lineEnd, read: fast.read, fatal: fast.fatal, rejected: fast.rejections.length }).toEqual({
          timeFormat,
          lineEnd,
          read: 4000,
          fatal: null,
          rejected: 0,
        });
        expect(fast).toEqual(await parse(false));
      }
    }
  });

  it('when a time of day is checked by character, then it agrees with the pattern it replaces', () => {
    const pattern = /^, ([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;
    const samples = [
      ', 11:18:42',
      ', 1:05',
      ', 23:59:59',
      ', 24:00',
      ', 9:60',
      ', 09:5',
      ', 11:18:4',
      ', 11:18:42 ',
      ',11:18',
      ', 111:18',
      ', 11:18:42:00',
      ', :18',
      ', 20:00',
      ', 19:00:60',
      ', 1a:00',
    ];
    for (const sample of samples) expect([sample, isTimeOfDayAt(`4/11/23${sample}`, 7)]).toEqual([sample, pattern.test(sample)]);
  });
});
