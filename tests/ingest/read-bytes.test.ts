import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readBytes, DeclinedError } from '../../bot/ingest/read-bytes';
import { readDelimited } from '../../bot/ingest/read-delimited';
import { COUNT_FORMATS, parseExport, type ParsedExport } from '../../bot/ingest/parse-export';
import { countPart, parseInParts } from '../../bot/ingest/parse-parallel';
import { identityOfFile } from '../../bot/ingest/file-identity';
import { concludeParse, createRecordCounter } from '../../bot/ingest/count-records';
import type { ParseSettings } from '../../bot/ingest/formats/format';
import { writeMoodleLog } from '../../bench/benchmarks/moodle-log-generator';
import { FRENCH_MOODLE_HEADERS, identityOfBytes, parseSettings } from './support';

/**
 * The byte reader and the Moodle log's byte counter against Papa Parse alone (readDelimited with
 * fastPath false, the reference every fast path is held to), on site logs written here the way PHP's
 * fputcsv writes Moodle's download, independently of the benchmark's generator.
 */

/** Everything a parse gives that an import uses (its duration aside), counts in the order they were first counted. */
const outcome = (p: ParsedExport | null) =>
  p && {
    format: p.format?.id ?? null,
    fatal: p.fatal,
    scope: p.scope,
    read: p.read,
    counts: [...p.tally.allCounts()],
    once: [...p.tally.onceKeys],
    rows: [p.tally.rowsRead, p.tally.rowsCounted, p.tally.rowsIgnored, p.tally.rowsRejected],
    days: [p.tally.firstDay, p.tally.lastDay],
    rejections: p.tally.rejections,
    warnings: p.tally.warnings,
    sources: [...p.tally.sources],
  };

/** PHP fputcsv: a field is enclosed when it holds the delimiter, a quote, a backslash, CR, LF, tab or space; quotes are doubled. */
const fputcsv = (value: string): string => (/[,"\\\t\r\n ]/.test(value) ? `"${value.split('"').join('""')}"` : value);

const HEADER = [
  'Time',
  'User full name',
  'Affected user',
  'Event context',
  'Component',
  'Event name',
  'Description',
  'Origin',
  'IP address',
];
const FRENCH: NonNullable<ParseSettings['moodleLogStrings']> = {
  headers: FRENCH_MOODLE_HEADERS,
  events: { 'User has logged in': 'Utilisateur connecté', 'Submission created.': ['Travail créé', 'Remise « créée »'] },
  dateOrder: 'month-first',
};

const piece = (...values: string[]) => fc.constantFrom(...values);
const name = fc
  .array(piece("O'Brien", 'Ng, Wei', 'Zoë', 'Siân', ' ', '"Bob"', '李', 'Ní Dhomhnaill', '-', 'a\\b', '\t'), { minLength: 1, maxLength: 4 })
  .map((p) => p.join(''));
const digits = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 99_999 }).map(String) },
  { weight: 1, arbitrary: piece('0', '007', '', 'x1', '1234567890123', '99999999999999', '12 ', '٣') },
);
const EVENTS = [
  'User has logged in',
  'A submission has been submitted.',
  'Submission created.',
  'Submission updated.',
  'Quiz attempt submitted',
  'Course viewed',
  'Course module viewed',
  'Utilisateur connecté',
  'Travail créé',
  'Remise « créée »',
  'User has logged in ',
  'Submission "created".',
];
const description = fc
  .tuple(
    digits,
    fc.integer({ min: 0, max: 9 }),
    // Course modules that repeat (the once-per-module rule), now and then one that is no plain number or a first mention that is no module.
    fc.oneof(
      { weight: 12, arbitrary: fc.nat(2).map((m) => String(500 + m)) },
      { weight: 1, arbitrary: piece('0501', '0', '1234567890123456', '123456789012345', "5x' then course module id '501") },
    ),
    fc.oneof(
      { weight: 12, arbitrary: piece('', ' "Re: lab ""3"""', " it's", ' é') },
      { weight: 1, arbitrary: piece('\nsecond line', '\r\nsecond line') },
    ),
  )
  .map(([id, shape, module, extra]) => {
    if (shape === 0) return `Someone with id '${id}' did it.${extra}`;
    if (shape === 1) return `The user with id '${id}`;
    const cm = shape < 5 ? ` with course module id '${module}'` : shape === 5 ? " with course module id ''" : '';
    return `The user with id '${id}' did something${cm}.${extra}`;
  });

interface Shape {
  order: number[];
  quoteHeader: boolean;
  bom: boolean;
  eol: '\n' | '\r\n';
  finalEol: boolean;
  french: boolean;
  seconds: boolean;
}

/** A time from a small pool, so that rows repeat the last time and its date as real logs do; now and then one that is no Moodle time. */
function timeArbitrary(seconds: boolean) {
  const anyDate = fc
    .tuple(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1, max: 12 }), piece('23', '2023', '24'))
    .map(([d, m, y]) => `${d}/${String(m).padStart(2, '0')}/${y}`);
  const date = fc.oneof({ weight: 6, arbitrary: piece('4/11/23', '5/11/23', '29/10/23', '26/03/23') }, { weight: 1, arbitrary: anyDate });
  const real = fc.tuple(date, fc.nat(23), fc.nat(59), fc.nat(59)).map(([d, h, mi, s]) => {
    const hm = `${h}:${String(mi).padStart(2, '0')}`;
    return `${d}, ${seconds ? `${hm}:${String(s).padStart(2, '0')}` : hm}`;
  });
  const odd = piece(
    '',
    'yesterday',
    '4/11/23 11:18',
    '4/11/23, 24:00',
    '4/11/23, 11:60',
    '4/11/23, 11:18:60',
    '31/02/23, 10:00',
    '4/11/23, 9:5',
    '4/11/23, 11:18:42 ',
    '4/11/23, 11:1é',
    '4/11/23,11:18',
    '"4/11/23"',
  );
  return fc.oneof({ weight: 12, arbitrary: real }, { weight: 1, arbitrary: odd });
}

const row = (seconds: boolean) =>
  fc.record({
    time: timeArbitrary(seconds),
    user: name,
    affected: fc.oneof(piece('-'), name),
    context: piece('System', 'Course: Physics, Year 1', 'Forum: "Ask anything", week 4', 'Assignment: Essay 1 "Why?"'),
    component: piece('System', 'Assignment', 'File submissions', 'Quiz'),
    event: piece(...EVENTS),
    description,
    origin: piece('web', 'cli', 'ws'),
    ip: piece('10.0.0.1', '2001:db8::1', ''),
    // Now and then a row as no exporter writes it.
    broken: fc.oneof({ weight: 20, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) }),
    blankBefore: fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });

const shape: fc.Arbitrary<Shape> = fc.record({
  order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7, 8], { minLength: 9, maxLength: 9 }),
  quoteHeader: fc.boolean(),
  bom: fc.boolean(),
  eol: piece('\n', '\r\n') as fc.Arbitrary<'\n' | '\r\n'>,
  finalEol: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  french: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  seconds: fc.boolean(),
});

const logFile = shape.chain((s) => fc.tuple(fc.constant(s), fc.array(row(s.seconds), { minLength: 1, maxLength: 80, size: 'max' })));

type Row = ReturnType<typeof row> extends fc.Arbitrary<infer R> ? R : never;

/** Writes one site log as Moodle's download does, in the header's (possibly reordered) column order; broken rows spoilt on purpose. */
function writeLog(path: string, [s, rows]: [Shape, Row[]]): void {
  const names = HEADER.map((h) => (s.french ? (FRENCH.headers?.[h as keyof typeof FRENCH.headers] ?? h) : h));
  const header = s.order.map((i) => (s.quoteHeader ? `"${names[i] as string}"` : fputcsv(names[i] as string))).join(',');
  const lines = [header];
  for (const r of rows) {
    const values = [r.time, r.user, r.affected, r.context, r.component, r.event, r.description, r.origin, r.ip];
    let cells = s.order.map((i) => fputcsv(values[i] as string));
    if (r.broken === 1) cells = cells.slice(1);
    if (r.broken === 2) cells.push('extra');
    if (r.broken === 3) cells[0] = `x"${cells[0] as string}`;
    if (r.broken === 4) cells[1] = `"${values[s.order[1] as number] as string}" `;
    if (r.broken === 5) cells[2] = `"open${cells[2] as string}`;
    if (r.blankBefore) lines.push('');
    lines.push(r.broken === 6 ? `${cells.join(',')}\r` : cells.join(','));
  }
  writeFileSync(path, `${s.bom ? '\uFEFF' : ''}${lines.join(s.eol)}${s.finalEol ? s.eol : ''}`);
}

const settingsFor = (s: Shape, zone: string): ParseSettings =>
  parseSettings({ sourceTimeZone: zone, ...(s.french ? { moodleLogStrings: FRENCH } : {}) });

/** The file counted by the byte reader directly, with how many records came to the byte counter as bytes. */
async function countBytes(path: string, settings: ParseSettings): Promise<{ parsed: ParsedExport; plain: number }> {
  const counter = createRecordCounter(COUNT_FORMATS.moodle, 'moodle', settings);
  let plain = 0;
  const read = await readBytes(path, {
    delimiter: 'auto',
    onRecord: counter.onRecord,
    onPlainRecord: (bytes, fields, line) => {
      const taken = counter.onPlainRecord(bytes, fields, line);
      if (taken !== null) plain += 1;
      return taken;
    },
  });
  const handler = counter.state.handler;
  const parsed = concludeParse(counter.state, read, handler ? () => handler.finish() : null, 0, COUNT_FORMATS.moodle, 'moodle');
  return { parsed, plain };
}

interface Records {
  records: Array<[string[], number, string | null]>;
  read: unknown;
}

async function recordsOf(read: (onRecord: (f: string[], l: number, p: string | null) => boolean) => Promise<unknown>): Promise<Records> {
  const records: Records['records'] = [];
  const result = await read((fields, line, problem) => (records.push([[...fields], line, problem]), true));
  return { records, read: result };
}

describe('the byte reader and the Moodle log byte counter', () => {
  let dir: string;
  let n = 0;
  const file = () => join(dir, `f${(n += 1)}.csv`);
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'em-bytes-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when site logs of every genuine shape are counted from their bytes, then counts, rejections, warnings, days and the read are what Papa Parse alone gives', async () => {
    let plain = 0;
    let rows = 0;
    await fc.assert(
      fc.asyncProperty(logFile, piece('Europe/London', 'UTC'), async (log, zone) => {
        const path = file();
        writeLog(path, log);
        const settings = settingsFor(log[0], zone);
        const reference = outcome(await parseExport(path, 'moodle', settings, undefined, false));

        const direct = await countBytes(path, settings);
        plain += direct.plain;
        rows += direct.parsed.tally.rowsRead;
        expect(outcome(direct.parsed)).toEqual(reference);
        expect(outcome(await parseExport(path, 'moodle', settings, undefined, true, 1))).toEqual(reference);
      }),
      { numRuns: 300, seed: 1818 },
    );
    // The byte counter itself took the rows, not only the fallback it hands odd lines to.
    expect(plain).toBeGreaterThan(rows * 0.6);
  });

  // The reference is readDelimited's fast line reader, which hands every line it cannot split to Papa Parse: it is held to Papa
  // Parse alone by read-fast-path.test.ts, except where a byte-order mark starts such a line in the middle of a file (Papa
  // Parse drops it from the start of a text it is given, not from the start of a line of a stream), as today.
  it('when any text of quotes, commas, CRs, LFs and letters is read, then the byte reader gives the records, problems and line numbers the line reader gives, or declines', async () => {
    const text = fc
      .array(piece('"', '""', ',', '\n', '\r\n', '\r', 'a', 'é', ' ', '\uFEFF', 'x,y'), { maxLength: 40 })
      .map((p) => p.join(''));
    let read = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), piece('\n', '\r\n'), async (body, bom, eol) => {
        const path = file();
        writeFileSync(path, `${bom ? '\uFEFF' : ''}h1,h2${eol}${body}`);
        const reference = await recordsOf((onRecord) => readDelimited(path, { delimiter: 'auto', onRecord }));
        const bytes = await recordsOf((onRecord) => readBytes(path, { delimiter: 'auto', onRecord, onPlainRecord: () => null })).catch(
          (error: unknown) => {
            // Every text here is UTF-8: the only file to decline is one whose line end is a CR alone, which Papa Parse reads.
            if (error instanceof DeclinedError && error.message.endsWith('CR line ends')) return null;
            throw error;
          },
        );
        if (bytes === null) return;
        read += 1;
        expect(bytes).toEqual(reference);
      }),
      {
        numRuns: 3000,
        seed: 18,
        // Shapes found by hand: a quoted field closed before a LF without its CR, a CR alone before the LF, quotes at a line's end.
        examples: [
          ['"a"\nb\r\nc\r\n', false, '\r\n'],
          ['a,"b"\r\r\nc\r\n', true, '\r\n'],
          ['a,\r\n\r\n"x""\r\n"\r\n', false, '\r\n'],
          ['"a"\r\nb,"c\nd"\n', false, '\n'],
          ['a,b\r\n,\n"', true, '\n'],
        ],
      },
    );
    expect(read).toBeGreaterThan(2000);
  });

  it('when a part starts and ends at any line end, then the byte reader reads it as the line reader does: records, lines and a clean end', async () => {
    await fc.assert(
      fc.asyncProperty(logFile, fc.nat(), fc.nat(), async (log, a, b) => {
        const path = file();
        writeLog(path, log);
        const bytes = readFileSync(path);
        const ends = [0];
        for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) ends.push(i + 1);
        const start = ends[a % ends.length] as number;
        const end = Math.max(start, ends[b % ends.length] as number);
        if (end === start) return;
        const range = { start, end };
        const lines = await recordsOf((onRecord) => readDelimited(path, { delimiter: 'auto', range, onRecord }));
        const inBytes = await recordsOf((onRecord) => readBytes(path, { delimiter: 'auto', range, onRecord, onPlainRecord: () => null }));
        expect(inBytes).toEqual(lines);
      }),
      { numRuns: 300, seed: 181 },
    );
  });

  it('when a site log is counted in 2, 3 or 4 parts on worker threads, then it is what Papa Parse gives for the whole file', async () => {
    const logs = fc.sample(
      logFile.filter(([s]) => !s.french),
      { numRuns: 6, seed: 7 },
    );
    let inParts = 0;
    for (const [i, log] of logs.entries()) {
      const path = file();
      // Large enough for every cut to find a line end: the rows, many times over.
      writeLog(path, [log[0], Array.from({ length: 40 }, () => log[1]).flat()]);
      const reference = outcome(await parseExport(path, 'moodle', parseSettings(), undefined, false));
      // A part's once-per-module keys (kept in numbers while it reads, or by their text) are the same from its bytes as from its text.
      const whole = {
        path,
        source: 'moodle',
        settings: parseSettings(),
        range: { start: 0, end: statSync(path).size },
        header: null,
        formatId: null,
      };
      const onceFromText = (await countPart({ ...whole, readsBytes: false }, COUNT_FORMATS.moodle)).onceKeys.sort();
      expect((await countPart({ ...whole, readsBytes: true }, COUNT_FORMATS.moodle)).onceKeys.sort()).toEqual(onceFromText);
      for (const parts of [2, 3, 4]) {
        const result = await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, parts);
        if (result) inParts += 1;
        // A cut inside a quoted line break refuses the parts; parseExport then reads the file in one piece.
        const counted = result ?? (await parseExport(path, 'moodle', parseSettings(), undefined, true, parts));
        const { counts, once: _once, ...rest } = outcome(counted) as NonNullable<ReturnType<typeof outcome>>;
        const { counts: referenceCounts, once: _referenceOnce, ...referenceRest } = reference as NonNullable<ReturnType<typeof outcome>>;
        // Parts are merged part by part, so only the order in which counts were first seen may differ; the merge drops the
        // once-per-module keys when they have done their work.
        expect({ i, parts, ...rest, counts: counts.sort() }).toEqual({ i, parts, ...referenceRest, counts: referenceCounts.sort() });
      }
    }
    expect(inParts).toBeGreaterThan(6);
  });

  it("when a large log is counted in one piece, on this thread and a worker cut anywhere near a segment's edge, or on workers, then its identity is the segments' XXH3-128 and the count is Papa Parse's", async () => {
    const path = file();
    await writeMoodleLog(path, { bytes: 17 * 1024 * 1024, lineEnd: '\r\n' });
    const whole = readFileSync(path);
    const expected = await identityOfBytes(whole);
    const reference = outcome(await parseExport(path, 'moodle', parseSettings(), undefined, false));
    expect(reference?.read?.fileHash).toBe(expected);
    // As made afresh when a part could not vouch for its segments.
    expect(await identityOfFile(path)).toBe(expected);

    const onePiece = outcome(await parseExport(path, 'moodle', parseSettings(), undefined, true, 1));
    expect(onePiece?.read?.fileHash).toBe(expected);
    expect(onePiece?.read?.bytes).toBe(whole.length);
    expect(onePiece).toEqual(reference);
    // This thread's part ends before, at or after the first 8 MiB segment's end, or in the last, short segment; then two workers.
    const edge = (8 * 1024 * 1024) / whole.length;
    for (const share of [0.1, edge - 0.0001, edge - 0.00001, edge, edge + 0.00001, 0.5, 0.97]) {
      const counted = await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, undefined, share);
      expect(counted).not.toBeNull();
      // The two parts' counts stay in two blocks; a key both hold (the day at the cut) is one key.
      expect(counted?.tally.size).toBe(counted?.tally.allCounts().size);
      const { counts, once: _once, ...rest } = outcome(counted) as NonNullable<ReturnType<typeof outcome>>;
      const { counts: referenceCounts, once: _referenceOnce, ...referenceRest } = reference as NonNullable<ReturnType<typeof outcome>>;
      expect({ share, ...rest, counts: counts.sort() }).toEqual({ share, ...referenceRest, counts: referenceCounts.sort() });
    }
    expect((await parseInParts(path, 'moodle', COUNT_FORMATS.moodle, parseSettings(), undefined, 3))?.read?.fileHash).toBe(expected);
  });

  it('when the first row has no time, then it is rejected as no Moodle date on both paths, not counted for another id', async () => {
    const path = file();
    const login = (time: string, id: number) =>
      `${time},Ann,-,System,System,"User has logged in","The user with id '${id}' has logged in.",web,10.0.0.1`;
    writeFileSync(path, `${HEADER.map(fputcsv).join(',')}\n${login('', 5)}\n${login('"4/11/23, 11:18:42"', 6)}\n`);

    for (const fastPath of [true, false]) {
      const parsed = await parseExport(path, 'moodle', parseSettings(), undefined, fastPath, 1);
      expect({ fastPath, counts: [...parsed.tally.allCounts()], rejections: parsed.tally.rejections }).toEqual({
        fastPath,
        counts: [['moodle:6\u001f2023-11-04\u001fmoodle_login', 1]],
        rejections: [{ line: 2, reason: 'Time "" is not a Moodle date such as 4/11/23, 11:18:42' }],
      });
    }
  });

  it('when a student submits to a course module twice in a day, then it counts once, whether the module reads as a number or not and on either path', async () => {
    const path = file();
    const submission = (day: string, description: string) =>
      `"${day}, 11:18:42",Ann,-,"Assignment: Essay",Assignment,"Submission created.","${description}",web,10.0.0.1`;
    const module = (m: string) => `The user with id '42' created a submission in the assignment with course module id '${m}'.`;
    const rows = [
      submission('4/11/23', module('501')),
      submission('4/11/23', module('501')),
      // Another text, so another module, though it reads as the same number.
      submission('4/11/23', module('0501')),
      submission('4/11/23', module('0501')),
      // Two modules too long to tell apart as numbers.
      submission('4/11/23', module('12345678901234567')),
      submission('4/11/23', module('12345678901234568')),
      // The first mention is no module; the second is 501 again.
      submission('4/11/23', module("5x' then course module id '501")),
      // Doubled quotes send the row through its text: the same rule.
      submission('4/11/23', `${module('501')} ""Late""`),
      submission('4/11/23', `${module('502')} ""Late""`),
      submission('4/11/23', module('502')),
      // No module: each counts.
      submission('4/11/23', "The user with id '42' submitted the assignment."),
      submission('4/11/23', "The user with id '42' submitted the assignment."),
      submission('5/11/23', module('501')),
    ];
    writeFileSync(path, `${HEADER.map(fputcsv).join(',')}\n${rows.join('\n')}\n`);

    for (const fastPath of [true, false]) {
      const parsed = await parseExport(path, 'moodle', parseSettings(), undefined, fastPath, 1);
      expect({ fastPath, counts: [...parsed.tally.allCounts()], ignored: parsed.tally.rowsIgnored }).toEqual({
        fastPath,
        counts: [
          ['moodle:42\u001f2023-11-04\u001fmoodle_submission', 7],
          ['moodle:42\u001f2023-11-05\u001fmoodle_submission', 1],
        ],
        ignored: 5,
      });
    }
  });

  it('when a line is longer than UPLOAD_MAX_LINE_BYTES, then the file is refused naming the line, as without the byte reader', async () => {
    const path = file();
    const rowText = `"4/11/23, 11:18:42",Ann,-,System,System,"User has logged in","The user with id '5' has logged in.",web,10.0.0.1`;
    writeFileSync(path, `${HEADER.map(fputcsv).join(',')}\n${rowText}\n${rowText.replace('Ann', 'A'.repeat(5000))}\n${rowText}\n`);
    const settings = parseSettings({ maxLineBytes: 4096 });

    const fast = await parseExport(path, 'moodle', settings, undefined, true, 1);

    expect(fast.fatal).toMatch(/^line 3 is longer than 4 KB/);
    expect(outcome(fast)).toEqual(outcome(await parseExport(path, 'moodle', settings, undefined, false)));
  });

  it('when a line is long only between its CRs, or long only with the byte-order mark, then the limit is the exact one', async () => {
    const rowText = `"4/11/23, 11:18:42",Ann,-,System,System,"User has logged in","The user with id '5' has logged in.",web,10.0.0.1`;
    const settings = parseSettings({ maxLineBytes: 4096 });
    // Two lines of 3,000 bytes to the line-length check (a CR ends a line), one of 6,001 to a reader of LF-ended lines.
    const crInside = file();
    writeFileSync(
      crInside,
      `${HEADER.map(fputcsv).join(',')}\n${rowText}\n${rowText.replace('Ann', `${'A'.repeat(3000)}\r${'B'.repeat(3000)}`)}\n`,
    );
    // A header of 4,094 bytes: 4,097 with the byte-order mark, which the check counts.
    const header = `${HEADER.map(fputcsv).join(',')}`;
    const longHeader = file();
    writeFileSync(longHeader, `\uFEFF${header.replace('Time', `Time${' '.repeat(4094 - header.length)}`)}\n${rowText}\n`);

    for (const path of [crInside, longHeader]) {
      const fast = outcome(await parseExport(path, 'moodle', settings, undefined, true, 1));
      expect({ path, ...fast }).toEqual({ path, ...outcome(await parseExport(path, 'moodle', settings, undefined, false)) });
    }
    expect((await parseExport(crInside, 'moodle', settings)).fatal).toBeNull();
    expect((await parseExport(longHeader, 'moodle', settings)).fatal).toMatch(/^line 1 is longer than 4 KB/);
  });

  it('when a site log is UTF-16, has CR line ends or bytes that are not UTF-8, then the byte reader declines and the file reads as before (the last as Windows-1252)', async () => {
    const rowText = `"4/11/23, 11:18:42","Zoë",-,System,System,"User has logged in","The user with id '5' has logged in.",web,10.0.0.1`;
    const text = `${HEADER.map(fputcsv).join(',')}\r\n${rowText}\r\n`;
    const utf16 = file();
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const crOnly = file();
    writeFileSync(crOnly, text.replace(/\r\n/g, '\r'));
    const latin1 = file();
    writeFileSync(latin1, Buffer.from(text + rowText.replace('5', '6') + '\n', 'latin1'));

    for (const path of [utf16, crOnly, latin1]) {
      await expect(readBytes(path, { delimiter: 'auto', onRecord: () => true, onPlainRecord: () => null })).rejects.toBeInstanceOf(
        DeclinedError,
      );
      const reference = outcome(await parseExport(path, 'moodle', parseSettings(), undefined, false));
      expect({ path, ...outcome(await parseExport(path, 'moodle', parseSettings(), undefined, true, 1)) }).toEqual({ path, ...reference });
    }
    expect((await parseExport(utf16, 'moodle', parseSettings())).tally.rowsCounted).toBe(1);
    const asWindows1252 = await parseExport(latin1, 'moodle', parseSettings());
    expect(asWindows1252.fatal).toBeNull();
    expect(asWindows1252.read?.encoding).toBe('windows-1252');
    expect(asWindows1252.tally.warnings).toEqual([expect.stringMatching(/^read as Windows-1252 .*line 2, in ".*"Zoë"/)]);
  });
});
