import { addDays, type Term } from '../../shared/calendar';
import type { IsoDay } from '../../shared/domain';

// The dated exports of the runbook test, written in the shapes the systems produce (see
// /docs/imports.md): they are generated because their days must fall in the term around today.

export interface ExportStudent {
  code: string;
  moodleId: string;
  name: string;
  email: string;
  moodleUser: string;
}

const two = (n: number) => String(n).padStart(2, '0');
const parts = (day: IsoDay) => day.split('-').map(Number) as [number, number, number];

/** The term the runbook's calendar holds: begun six weeks ago, so every window is full, and running past today. */
export function termAround(today: IsoDay): Term {
  return { name: 'Autumn', start: addDays(today, -42), end: addDays(today, 40), excluded: [] };
}

export function daysOf(from: IsoDay, to: IsoDay): IsoDay[] {
  const out: IsoDay[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** A CSV field as Moodle's download writes it: quoted when it holds a comma, quote, tab, line end or space. */
const moodleField = (v: string) => (/[",\t\r\n ]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Moodle 4.x site log download: UTF-8 with BOM, newest first, `d/mm/yy, HH:MM:SS` with the day's zero dropped. */
export function moodleSiteLog(students: readonly ExportStudent[], days: readonly IsoDay[]): string {
  const rows: Array<{ key: string; fields: string[] }> = [];
  for (const day of days) {
    const [y, m, d] = parts(day);
    const at = (time: string) => `${d}/${two(m)}/${String(y).slice(2)}, ${time}`;
    const push = (fields: string[]) => rows.push({ key: `${day} ${fields[0]?.slice(-8)}`, fields });
    push([
      at('08:02:11'),
      'Kwame Mensah',
      '-',
      'System',
      'System',
      'User has logged in',
      "The user with id '12' has logged in.",
      'web',
      '192.0.2.5',
    ]);
    for (const s of students) {
      push([
        at('10:15:00'),
        s.name,
        '-',
        'System',
        'System',
        'User has logged in',
        `The user with id '${s.moodleId}' has logged in.`,
        'web',
        '192.0.2.20',
      ]);
      if (d % 7 === 0)
        push([
          at('16:40:31'),
          s.name,
          '-',
          'Assignment: Problem sheet',
          'Assignment',
          'A submission has been submitted.',
          `The user with id '${s.moodleId}' has submitted the submission with id '9${s.moodleId}' for the assignment with course module id '812'.`,
          'web',
          '192.0.2.20',
        ]);
    }
  }
  rows.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const header = 'Time,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"';
  return `\ufeff${[header, ...rows.map((r) => r.fields.map(moodleField).join(','))].join('\n')}\n`;
}

/** Panopto "System Views": UTF-8 with BOM, minimal quoting, US Pacific times with AM/PM. */
export function panoptoSystemViews(students: readonly ExportStudent[], days: readonly IsoDay[]): string {
  const lines = ['\ufeffTimestamp,User Name,User ID,Email,Session Name,Session ID,Folder Name,Folder ID,Viewing Type,Minutes Delivered'];
  for (const day of days) {
    const [y, m, d] = parts(day);
    for (const [i, s] of students.entries())
      lines.push(
        `${m}/${d}/${y} 2:${two(10 + i)}:00 AM,moodle-prod\\${s.moodleUser},5c1f1a4e-0000-4000-8000-${s.code.padStart(12, '0')},${s.email},Lecture ${d}: Quantum mechanics,a1a1a1a1-0000-4000-8000-0000000000${two(d)},"PH20001: Physics, Year 2",f0f0f0f0-0000-4000-8000-000000000001,On Demand,${20 + i}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** Samis login export: student code and login time on the campus clock. */
export function samisLogins(students: readonly ExportStudent[], days: readonly IsoDay[]): string {
  const lines = ['STU_CODE,LOGIN_TIME,IP_ADDRESS'];
  for (const day of days) for (const s of students) lines.push(`${s.code},${day} 09:0${s.code.slice(-1)}:00,192.0.2.30`);
  return `${lines.join('\n')}\n`;
}

/** Teams meeting attendance download: UTF-16LE with BOM, tab-separated, CRLF, UK dates. */
export function teamsAttendance(students: readonly ExportStudent[], day: IsoDay): Buffer {
  const [y, m, d] = parts(day);
  const at = (time: string) => `${two(d)}/${two(m)}/${String(y).slice(2)}, ${time}`;
  const rows = [
    '1. Summary',
    'Meeting title\tPH20001 problems class',
    `Attended participants\t${students.length + 1}`,
    `Start time\t${at('14:00:03')}`,
    `End time\t${at('14:58:40')}`,
    'Meeting duration\t58m 37s',
    'Average attendance time\t52m 10s',
    '',
    '2. Participants',
    'Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole',
    `Dr Kwame Mensah\t${at('14:00:03')}\t${at('14:58:40')}\t58m 37s\tk.mensah@example.ac.uk\tk.mensah@example.ac.uk\tOrganizer`,
    ...students.map((s) => `${s.name}\t${at('14:02:00')}\t${at('14:55:00')}\t53m\t${s.email}\t${s.email}\tAttendee`),
    'Guest (Unverified)\t' + `${at('14:05:00')}\t${at('14:20:00')}\t15m\t\t\tAttendee`,
    '',
    '3. In-Meeting Activities',
    'Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole',
    ...students.map((s) => `${s.name}\t${at('14:02:00')}\t${at('14:55:00')}\t53m\t${s.email}\tAttendee`),
  ];
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rows.join('\r\n') + '\r\n', 'utf16le')]);
}
