import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const BENCH_STUDENTS = 3000;
const FIRST_USER_ID = 10_000;

const EVENTS: Array<{ name: string; component: string; context: string; description: (u: number) => string; weight: number }> = [
  {
    name: 'Course viewed',
    component: 'System',
    context: '"Course: Physics, Year 1"',
    description: (u) => `"The user with id '${u}' viewed the course with id '12'."`,
    weight: 45,
  },
  {
    name: 'Course module viewed',
    component: 'Page',
    context: '"Page: Week 4 reading"',
    description: (u) => `"The user with id '${u}' viewed the 'page' activity with course module id '55'."`,
    weight: 35,
  },
  {
    name: 'User has logged in',
    component: 'System',
    context: 'System',
    description: (u) => `"The user with id '${u}' has logged in."`,
    weight: 10,
  },
  {
    name: 'Discussion viewed',
    component: 'Forum',
    context: '"Forum: Questions, answers"',
    description: (u) => `"The user with id '${u}' has viewed the discussion with id '7' in the forum with course module id '60'."`,
    weight: 8,
  },
  {
    name: 'A submission has been submitted.',
    component: 'Assignment',
    context: '"Assignment: Essay 1"',
    description: (u) =>
      `"The user with id '${u}' has submitted the submission with id '77' for the assignment with course module id '501'."`,
    weight: 1,
  },
  {
    name: 'Quiz attempt submitted',
    component: 'Quiz',
    context: '"Quiz: Week 4"',
    description: (u) => `"The user with id '${u}' has submitted the attempt with id '31' for the quiz with course module id '502'."`,
    weight: 1,
  },
];
const PICK: number[] = EVENTS.flatMap((e, i) => Array.from({ length: e.weight }, () => i));

export const benchMoodleUserId = (n: number): string => String(FIRST_USER_ID + n);

/**
 * Writes a synthetic Moodle site log in the download's exact shape (BOM, quoting, newest first,
 * `d/mm/yy, HH:MM:SS`), with rows spread over 28 days of October and November 2023 (across the
 * clock change). Stops at `rows` rows or `bytes` bytes, whichever comes first.
 */
export async function writeMoodleLog(path: string, limit: { rows?: number; bytes?: number }): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(path);
  const header = '\uFEFFTime,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"\n';
  out.write(header);
  let bytes = Buffer.byteLength(header);
  const maxRows = limit.rows ?? Number.MAX_SAFE_INTEGER;
  const maxBytes = limit.bytes ?? Number.MAX_SAFE_INTEGER;
  const rowsPerDay = limit.rows ? Math.ceil(limit.rows / 28) : Math.ceil(maxBytes / 190 / 28);
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
    const time = `${t.getUTCDate()}/${String(t.getUTCMonth() + 1).padStart(2, '0')}/${String(t.getUTCFullYear()).slice(2)}, ${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}:${String(t.getUTCSeconds()).padStart(2, '0')}`;
    const user = FIRST_USER_ID + (seed % (BENCH_STUDENTS + 50));
    const e = EVENTS[PICK[(seed >>> 20) % PICK.length] as number] as (typeof EVENTS)[number];
    const line = `"${time}","Student ${user}",-,${e.context},${e.component},"${e.name}",${e.description(user)},web,10.${seed & 255}.${(seed >> 8) & 255}.${(seed >> 16) & 255}\n`;
    buffer += line;
    bytes += line.length;
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
