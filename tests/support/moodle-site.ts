import { writeFileSync } from 'node:fs';
import type { Source } from '../../shared/domain';
import { LOG_FIELDS, type LogRow, type UserRow } from './moodle-db';
import { seeded } from './seeded';

/**
 * A small Moodle site's users and log, generated with the edge cases real logs hold: staff "logged
 * in as" a student, cron finishing quiz attempts, a teacher grading (the student as related user),
 * a teacher submitting on a student's behalf, anonymous events, deleted users and people who are
 * nobody's student. Each event says what it should count as, worked out here from what happened, so
 * tests check the pull against intent as well as against the CSV import.
 */

export interface SiteEvent extends LogRow {
  /** What the event stands for, as the generator meant it: a student's own login or submission, or nothing. */
  intent: Source | null;
}

export const TEACHER = 5;
export const ADMIN = 2;
/** Moodle users who are students on the roster (matched by idnumber or e-mail). */
export const SITE_USERS: UserRow[] = [
  {
    id: ADMIN,
    username: 'admin',
    email: 'moodle.admin@example.ac.uk',
    idnumber: '',
    firstname: 'Admin',
    lastname: 'User',
    deleted: 0,
    suspended: 0,
  },
  {
    id: TEACHER,
    username: 'staff5',
    email: 'dr.staff@example.ac.uk',
    idnumber: '',
    firstname: 'Dr',
    lastname: 'Staff',
    deleted: 0,
    suspended: 0,
  },
  {
    id: 2113,
    username: 'ab123',
    email: 'sian.obriain@example.ac.uk',
    idnumber: 'S1000001',
    firstname: 'Siân',
    lastname: 'Ó Briain',
    deleted: 0,
    suspended: 0,
  },
  {
    id: 2114,
    username: 'cd456',
    email: 'Zoe.Jones@example.ac.uk',
    idnumber: '',
    firstname: 'Zoë',
    lastname: 'Jones',
    deleted: 0,
    suspended: 0,
  },
  {
    id: 2115,
    username: 'ef789',
    email: 'ola.nordmann@example.ac.uk',
    idnumber: 'S1000003',
    firstname: 'Ola',
    lastname: 'Nordmann',
    deleted: 0,
    suspended: 1,
  },
  // Moodle overwrites a deleted user's username and clears the idnumber; the e-mail is kept hashed.
  {
    id: 2116,
    username: 'gone@example.ac.uk.1700000000',
    email: '5f1d7a2b3c',
    idnumber: '',
    firstname: 'Gone',
    lastname: 'Student',
    deleted: 1,
    suspended: 0,
  },
  {
    id: 2117,
    username: 'zz999',
    email: 'someone.else@example.ac.uk',
    idnumber: 'S7777777',
    firstname: 'Some',
    lastname: 'One',
    deleted: 0,
    suspended: 0,
  },
];
const STUDENTS = [2113, 2114, 2115, 2116, 2117];

const base = (over: Partial<SiteEvent>): SiteEvent => ({
  eventname: '\\core\\event\\course_viewed',
  component: 'core',
  action: 'viewed',
  target: 'course',
  objecttable: null,
  objectid: null,
  crud: 'r',
  edulevel: 2,
  contextid: 80,
  contextlevel: 50,
  contextinstanceid: 12,
  userid: 0,
  courseid: 12,
  relateduserid: null,
  anonymous: 0,
  other: null,
  timecreated: 0,
  origin: 'web',
  ip: '192.0.2.10',
  realuserid: null,
  intent: null,
  ...over,
});

export const login = (userid: number, t: number): SiteEvent =>
  base({
    eventname: '\\core\\event\\user_loggedin',
    action: 'loggedin',
    target: 'user',
    objecttable: 'user',
    objectid: userid,
    crud: 'r',
    edulevel: 0,
    contextid: 1,
    contextlevel: 10,
    contextinstanceid: 0,
    courseid: 0,
    userid,
    other: JSON.stringify({ username: `u${userid}` }),
    timecreated: t,
    intent: 'moodle_login',
  });

const SUBMISSIONS = [
  ['\\mod_assign\\event\\assessable_submitted', 'mod_assign', 'submitted', 'assessable', 'assign_submission', 501],
  ['\\assignsubmission_file\\event\\submission_created', 'assignsubmission_file', 'created', 'submission', 'assignsubmission_file', 501],
  ['\\assignsubmission_file\\event\\submission_updated', 'assignsubmission_file', 'updated', 'submission', 'assignsubmission_file', 503],
  ['\\mod_quiz\\event\\attempt_submitted', 'mod_quiz', 'submitted', 'attempt', 'quiz_attempts', 502],
] as const;

const submission = (kind: number, userid: number, t: number, over: Partial<SiteEvent> = {}): SiteEvent => {
  const [eventname, component, action, target, objecttable, cm] = SUBMISSIONS[kind % SUBMISSIONS.length] as (typeof SUBMISSIONS)[number];
  return base({
    eventname,
    component,
    action,
    target,
    objecttable,
    objectid: 77,
    crud: eventname.includes('created') ? 'c' : 'u',
    contextid: 90,
    contextlevel: 70,
    contextinstanceid: cm,
    userid,
    relateduserid: eventname.includes('quiz') ? userid : null,
    other: JSON.stringify({ submitterid: userid }),
    timecreated: t,
    intent: 'moodle_submission',
    ...over,
  });
};

/**
 * `days` days of activity from `firstDayStart` (unix seconds of a UTC midnight; London is on GMT in
 * November), in id order = write order. Events near midnight land either side of it.
 */
export function generateSiteLog(seed: number, firstDayStart: number, days: number, until = Infinity): SiteEvent[] {
  const rnd = seeded(seed);
  const events: SiteEvent[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  for (let d = 0; d < days; d++) {
    const dayStart = firstDayStart + d * 86_400;
    const today: SiteEvent[] = [];
    for (const user of STUDENTS) {
      const logins = Math.floor(rnd() * 4);
      for (let i = 0; i < logins; i++) today.push(login(user, dayStart + Math.floor(rnd() * 86_400)));
      const submissions = Math.floor(rnd() * 3);
      for (let i = 0; i < submissions; i++) today.push(submission(Math.floor(rnd() * 4), user, dayStart + Math.floor(rnd() * 86_400)));
      for (let i = 0; i < 3; i++) today.push(base({ userid: user, timecreated: dayStart + Math.floor(rnd() * 86_400) }));
    }
    const t = () => dayStart + 3_600 + Math.floor(rnd() * 72_000);
    const victim = pick([2113, 2114, 2115]);
    // Staff logged in as a student: the switch itself, then the student's pages and a submission under realuserid.
    const asAt = t();
    today.push(
      base({
        eventname: '\\core\\event\\user_loggedinas',
        action: 'loggedinas',
        target: 'user',
        userid: TEACHER,
        relateduserid: victim,
        timecreated: asAt,
        contextlevel: 10,
      }),
    );
    today.push(base({ userid: victim, realuserid: TEACHER, timecreated: asAt + 5 }));
    today.push(submission(0, victim, asAt + 30, { realuserid: TEACHER, intent: null }));
    today.push(login(victim, asAt + 40));
    (today.at(-1) as SiteEvent).realuserid = TEACHER;
    (today.at(-1) as SiteEvent).intent = null;
    // Cron closes an overdue quiz attempt: no user (0), or the admin, acting for the student, from the command line.
    today.push(submission(3, 0, t(), { relateduserid: victim, origin: 'cli', intent: null }));
    today.push(submission(3, ADMIN, t(), { relateduserid: victim, origin: 'cli', intent: null }));
    // A teacher grades and reverts a submission, and submits one on a student's behalf.
    today.push(
      base({
        eventname: '\\mod_assign\\event\\submission_graded',
        component: 'mod_assign',
        action: 'graded',
        target: 'submission',
        userid: TEACHER,
        relateduserid: victim,
        timecreated: t(),
      }),
    );
    today.push(
      base({
        eventname: '\\mod_assign\\event\\submission_status_updated',
        component: 'mod_assign',
        action: 'updated',
        target: 'submission',
        userid: TEACHER,
        relateduserid: victim,
        timecreated: t(),
      }),
    );
    today.push(submission(0, TEACHER, t(), { relateduserid: victim, intent: null }));
    // An anonymous submission (an anonymous feedback or forum) is nobody's.
    today.push(submission(1, victim, t(), { anonymous: 1, intent: null }));
    // Staff log in too; their logins are counted as events but name no student.
    today.push(login(TEACHER, t()));
    // Moodle writes an event when its request ends, so ids follow time only roughly.
    today.sort((a, b) => a.timecreated - b.timecreated);
    for (let i = 1; i < today.length; i += 7) {
      const [x, y] = [today[i - 1] as SiteEvent, today[i] as SiteEvent];
      if (y.timecreated - x.timecreated < 60) [today[i - 1], today[i]] = [y, x];
    }
    events.push(...today.filter((e) => e.timecreated < until));
  }
  return events;
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The events as a CSV dump of logstore_standard_log (a database tool's export: header, NULL as empty). */
export function writeLogstoreCsv(path: string, rows: ReadonlyArray<Record<string, unknown>>): void {
  const lines = [LOG_FIELDS.join(','), ...rows.map((r) => LOG_FIELDS.map((f) => csvCell(r[f])).join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Moodle's user download (Site administration > Users > Bulk user actions > Download): no deleted users. */
export function writeUsersCsv(path: string, users: readonly UserRow[]): void {
  const lines = [
    'id,username,email,firstname,lastname,idnumber,institution,department',
    ...users
      .filter((u) => u.deleted === 0)
      .map((u) => [u.id, u.username, u.email, u.firstname, u.lastname, u.idnumber, '', 'Physics'].map(csvCell).join(',')),
  ];
  writeFileSync(path, `\uFEFF${lines.join('\n')}\n`);
}
