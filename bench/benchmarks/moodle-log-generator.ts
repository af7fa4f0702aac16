import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const BENCH_STUDENTS = 3000;
const FIRST_USER_ID = 10_000;

// Names as a university's roster holds them: apostrophes, hyphens, accents, and "Family, Given" with a comma.
const NAMES = [
  "Siobhán O'Brien",
  "Liam D'Souza",
  'Ng, Wei',
  'García-López, María José',
  'Aoife Ní Dhomhnaill',
  'Zoë Van der Berg',
  "Dylan O'Connor-Price",
  'Priya Raghunathan',
  'Kowalski, Jan',
  'Chloé Martin',
  "N'Golo Diarra",
  'Emily Smith',
];

interface EventShape {
  name: string;
  component: string;
  /** The event context; some name their activity in quotes, which fputcsv doubles. */
  context: (n: number) => string;
  description: (u: number, n: number) => string;
  weight: number;
}

const quoted = (n: number): boolean => n % 10 === 0;

const EVENTS: EventShape[] = [
  {
    name: 'Course viewed',
    component: 'System',
    context: () => 'Course: Physics, Year 1',
    description: (u) => `The user with id '${u}' viewed the course with id '12'.`,
    weight: 42,
  },
  {
    name: 'Course module viewed',
    component: 'Page',
    context: (n) => (quoted(n) ? 'Page: Week 4 "Reading list" (updated)' : 'Page: Week 4 reading'),
    description: (u) => `The user with id '${u}' viewed the 'page' activity with course module id '55'.`,
    weight: 33,
  },
  {
    name: 'User has logged in',
    component: 'System',
    context: () => 'System',
    description: (u) => `The user with id '${u}' has logged in.`,
    weight: 10,
  },
  {
    name: 'Discussion viewed',
    component: 'Forum',
    context: (n) => (quoted(n) ? 'Forum: "Ask anything", week 4' : 'Forum: Questions, answers'),
    description: (u) => `The user with id '${u}' has viewed the discussion with id '7' in the forum with course module id '60'.`,
    weight: 8,
  },
  {
    name: 'Post created',
    component: 'Forum',
    context: () => 'Forum: "Ask anything", week 4',
    // A few posts carry a subject over two lines: the download keeps the line break inside the quoted field.
    description: (u, n) =>
      `The user with id '${u}' has created the post with id '${n % 9000}' in the discussion "${n % 97 === 0 ? 'Re: lab 3\nresults' : 'Re: Tutor\'s "office hours"'}".`,
    weight: 3,
  },
  {
    name: 'A submission has been submitted.',
    component: 'Assignment',
    context: () => 'Assignment: Essay 1 "Why?"',
    description: (u) => `The user with id '${u}' has submitted the submission with id '77' for the assignment with course module id '501'.`,
    weight: 2,
  },
  {
    name: 'Submission created.',
    component: 'File submissions',
    context: () => 'Assignment: Essay 1 "Why?"',
    description: (u) =>
      `The user with id '${u}' created a file submission and uploaded '1' file/s in the assignment with course module id '501'.`,
    weight: 1,
  },
  {
    name: 'Quiz attempt submitted',
    component: 'Quiz',
    context: () => 'Quiz: Week 4',
    description: (u) => `The user with id '${u}' has submitted the attempt with id '31' for the quiz with course module id '502'.`,
    weight: 1,
  },
];
const PICK: number[] = EVENTS.flatMap((e, i) => Array.from({ length: e.weight }, () => i));

export const benchMoodleUserId = (n: number): string => String(FIRST_USER_ID + n);

/** One CSV field as PHP's fputcsv writes it (Moodle's download): quoted when it holds a comma, quote, tab, CR, LF or space; quotes doubled. */
export function phpCsvField(value: string): string {
  return /[,"\t\r\n \\]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export interface MoodleLogOptions {
  rows?: number;
  bytes?: number;
  /** 4.x: `4/11/23, 11:18:42`; 3.x: `2/03/21, 14:21` (no seconds). */
  timeFormat?: '3.x' | '4.x';
  lineEnd?: '\n' | '\r\n';
}

/**
 * Writes a synthetic Moodle site log in the download's shape, written by a different hand than the
 * reader: BOM, the nine columns, PHP fputcsv quoting (about one row in ten has a doubled quote; names
 * with commas and apostrophes; a few descriptions over two lines), newest first, 4.x or 3.x times,
 * LF or CRLF, with rows spread over 28 days of October and November 2023 (across the clock change).
 * Stops at `rows` rows or `bytes` bytes, whichever comes first.
 */
export async function writeMoodleLog(path: string, options: MoodleLogOptions): Promise<{ rows: number; bytes: number }> {
  const eol = options.lineEnd ?? '\n';
  const withSeconds = (options.timeFormat ?? '4.x') === '4.x';
  const out = createWriteStream(path);
  const header = `\uFEFFTime,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"${eol}`;
  out.write(header);
  let bytes = Buffer.byteLength(header);
  const maxRows = options.rows ?? Number.MAX_SAFE_INTEGER;
  const maxBytes = options.bytes ?? Number.MAX_SAFE_INTEGER;
  const rowsPerDay = options.rows ? Math.ceil(options.rows / 28) : Math.ceil(maxBytes / 230 / 28);
  const start = Date.UTC(2023, 10, 12, 23, 59, 59);
  let rows = 0;
  let seed = 2463534242;
  let buffer = '';
  while (rows < maxRows && bytes < maxBytes) {
    // xorshift32: cheap, and every bit is usable (an LCG's low bits would tie users to events).
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    const t = new Date(start - Math.floor((rows / rowsPerDay) * 86_400_000));
    const hm = `${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}`;
    const time = `${t.getUTCDate()}/${String(t.getUTCMonth() + 1).padStart(2, '0')}/${String(t.getUTCFullYear()).slice(2)}, ${withSeconds ? `${hm}:${String(t.getUTCSeconds()).padStart(2, '0')}` : hm}`;
    const n = seed % (BENCH_STUDENTS + 50);
    const user = FIRST_USER_ID + n;
    const e = EVENTS[PICK[(seed >>> 20) % PICK.length] as number] as EventShape;
    const fields = [
      time,
      `${NAMES[n % NAMES.length]} ${n}`,
      (seed >>> 8) % 50 === 0 ? (NAMES[(seed >>> 12) % NAMES.length] as string) : '-',
      e.context(seed >>> 4),
      e.component,
      e.name,
      e.description(user, seed >>> 6),
      (seed >>> 10) % 40 === 0 ? 'ws' : 'web',
      `10.${seed & 255}.${(seed >> 8) & 255}.${(seed >> 16) & 255}`,
    ];
    const line = fields.map(phpCsvField).join(',') + eol;
    buffer += line;
    bytes += Buffer.byteLength(line);
    rows += 1;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { rows, bytes };
}
