import { createHash } from 'node:crypto';
import { createDayOfWallTime, parseLocaleTime, wallToUtcMs, type WallTime } from '../dates';
import { teamsMeetingKey } from '../../../shared/teams-meeting';
import { identityKey, type Tally } from '../tally';
import { FormatError, findColumns, hasColumns, normaliseHeader, type ExportFormat, type ParseSettings, type RowHandler } from './format';

const SECTION = /^(\d)\.\s*(.+)$/;
const PARTICIPANTS = { name: 'Name', firstJoin: 'First Join', email: 'Email', upn: 'Participant ID (UPN)', role: 'Role' };

/**
 * A meeting's own scope: a later download of the same meeting replaces the earlier one, while other
 * meetings that day are untouched. The title is hashed so it is never stored.
 */
const meetingScope = (...parts: string[]): string =>
  `teams-meeting:${createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 16)}`;

const sortableWall = (w: WallTime): string =>
  [w.year, w.month, w.day, w.hour, w.minute, w.second].map((n) => String(n).padStart(4, '0')).join('');

/** Counts each participant once per meeting, on the day they first joined; organisers and people with no e-mail are not counted. */
function createAttendance(settings: ParseSettings, tally: Tally) {
  const dayOf = createDayOfWallTime(settings.sourceTimeZone, settings.campusTimeZone);
  const counted = new Set<string>();
  let guests = 0;
  let earliest: { key: string; text: string; wall: WallTime } | null = null;
  let organiser = '';
  return {
    add(line: number, joinText: string, email: string, upn: string, role: string): void {
      const parsed = parseLocaleTime(joinText, settings.locale);
      if (!parsed.ok) return tally.reject(line, parsed.reason);
      const day = dayOf(parsed.time);
      tally.seeDay(day);
      const key = sortableWall(parsed.time);
      if (!earliest || key < earliest.key) earliest = { key, text: joinText.trim(), wall: parsed.time };
      if (role.trim().toLowerCase() === 'organizer') {
        organiser ||= (upn.trim() || email.trim()).toLowerCase();
        return tally.staff(organiser ? `email:${organiser}` : '');
      }
      const identity = identityKey(
        email.trim() ? ['email', email.trim().toLowerCase()] : null,
        upn.trim() ? ['email', upn.trim().toLowerCase()] : null,
      );
      if (identity === '') {
        guests += 1;
        return tally.ignore();
      }
      if (counted.has(identity)) return tally.ignore();
      counted.add(identity);
      tally.count(identity, day, 'teams_attendance');
    },
    /** The meeting as Graph would name it: organiser and start minute; null when the file names no organiser. */
    meetingKey(startText: string): string | null {
      if (!organiser) return null;
      const parsed = startText ? parseLocaleTime(startText, settings.locale) : null;
      const start = parsed?.ok ? parsed.time : earliest?.wall;
      return start ? teamsMeetingKey(organiser, wallToUtcMs(start, settings.sourceTimeZone)) : null;
    },
    finish(): { earliestJoin: string | null } {
      if (guests > 0)
        tally.warnings.push(
          `${guests} participant row(s) had no e-mail (guests or unverified users) and could not be matched to a student.`,
        );
      return { earliestJoin: earliest?.text ?? null };
    },
  };
}

/** The current download: UTF-16LE, tab-separated, in sections (1. Summary, 2. Participants, 3. In-Meeting Activities, ...). */
export const teamsAttendanceFormat: ExportFormat = {
  id: 'teams-attendance',
  label: 'Teams meeting attendance report (current format)',
  expects:
    '"1. Summary" on the first line, then "2. Participants" with Name, First Join, Last Leave, In-Meeting Duration, Email, Participant ID (UPN), Role',
  produces: ['teams_attendance'],
  matches: (header) => header.length >= 1 && /^1\.\s*summary$/.test(normaliseHeader(header[0] ?? '')),
  start(_header, settings, tally): RowHandler {
    const attendance = createAttendance(settings, tally);
    let section = 'summary';
    let columns: Record<keyof typeof PARTICIPANTS, number> | null = null;
    let expectHeader = false;
    let title = '';
    let startTime = '';
    let sawParticipants = false;
    return {
      row(fields, line) {
        const first = (fields[0] ?? '').trim();
        const heading = fields.filter((f) => f.trim() !== '').length === 1 ? SECTION.exec(first) : null;
        if (heading) {
          section = normaliseHeader(heading[2] ?? '');
          expectHeader = section === 'participants';
          if (expectHeader) sawParticipants = true;
          return tally.ignore();
        }
        if (section === 'summary') {
          const key = normaliseHeader(first);
          if (key === 'meeting title') title = (fields[1] ?? '').trim();
          if (key === 'start time') startTime = (fields[1] ?? '').trim();
          return tally.ignore();
        }
        if (section !== 'participants') return tally.ignore();
        if (expectHeader) {
          expectHeader = false;
          columns = findColumns(fields, PARTICIPANTS);
          if (!columns)
            throw new FormatError(
              `line ${line}: the "2. Participants" header should have the columns ${Object.values(PARTICIPANTS).join(', ')}`,
            );
          return tally.ignore();
        }
        if (!columns) return tally.ignore();
        if (fields.length < 5)
          return tally.reject(line, `has ${fields.length} fields; a participant row has ${Object.keys(PARTICIPANTS).length} or more`);
        attendance.add(
          line,
          fields[columns.firstJoin] ?? '',
          fields[columns.email] ?? '',
          fields[columns.upn] ?? '',
          fields[columns.role] ?? '',
        );
      },
      finish() {
        if (!sawParticipants)
          throw new FormatError('the attendance report has no "2. Participants" section, so no attendance can be read from it');
        const { earliestJoin } = attendance.finish();
        const scope = meetingScope(title, startTime || (earliestJoin ?? ''));
        return { scope, meetingKey: attendance.meetingKey(startTime) ?? scope };
      },
    };
  },
};

const TEAMS_2021 = ['Full Name', 'Join Time', 'Leave Time', 'Duration', 'Email', 'Role', 'Participant ID (UPN)'];

/** The 2021 download: one row per join, with e-mail and UPN. */
export const teams2021Format: ExportFormat = {
  id: 'teams-attendance-2021',
  label: 'Teams meeting attendance list (2021 format)',
  expects: TEAMS_2021.join(', '),
  produces: ['teams_attendance'],
  matches: (header) => hasColumns(header, ['Full Name', 'Join Time', 'Email']),
  start(header, settings, tally) {
    const c = findColumns(header, { join: 'Join Time', email: 'Email', role: 'Role' });
    const upnIndex = header.map(normaliseHeader).indexOf(normaliseHeader('Participant ID (UPN)'));
    if (!c) throw new FormatError(`the 2021 attendance list needs the columns ${TEAMS_2021.join(', ')}`);
    const attendance = createAttendance(settings, tally);
    return {
      row(fields, line) {
        if (fields.length !== header.length) return tally.reject(line, `has ${fields.length} fields where the header has ${header.length}`);
        attendance.add(
          line,
          fields[c.join] ?? '',
          fields[c.email] ?? '',
          upnIndex >= 0 ? (fields[upnIndex] ?? '') : '',
          fields[c.role] ?? '',
        );
      },
      finish() {
        const { earliestJoin } = attendance.finish();
        const scope = meetingScope(earliestJoin ?? '');
        return { scope, meetingKey: attendance.meetingKey('') ?? scope };
      },
    };
  },
};

/** The 2020 download: display names only. Names are never used to match, so the file is refused with the reason. */
export const teams2020Format: ExportFormat = {
  id: 'teams-attendance-2020',
  label: 'Teams meeting attendance list (2020 format)',
  expects: 'Full Name, User Action, Timestamp',
  produces: ['teams_attendance'],
  matches: (header) => hasColumns(header, ['Full Name', 'User Action', 'Timestamp']),
  start(header, settings, tally) {
    const c = findColumns(header, { time: 'Timestamp' });
    if (!c) throw new Error('unreachable: header matched');
    const dayOf = createDayOfWallTime(settings.sourceTimeZone, settings.campusTimeZone);
    return {
      row(fields, line) {
        if (fields.length !== header.length) return tally.reject(line, `has ${fields.length} fields where the header has ${header.length}`);
        const parsed = parseLocaleTime(fields[c.time] ?? '', settings.locale);
        if (!parsed.ok) return tally.reject(line, parsed.reason);
        tally.seeDay(dayOf(parsed.time));
        tally.ignore();
      },
      finish() {
        throw new FormatError(
          'this is the 2020 attendance format, which names people only by display name; a display name is never used to identify a student, so nothing in it can be counted. Download a newer report (it includes e-mail addresses) or collect attendance through Graph.',
        );
      },
    };
  },
};
