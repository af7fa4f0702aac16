import type { ImportSummary } from './import.command';
import { recordedWhileRunning, type IdentityImportDeps } from './identity-import-record';
import { readMoodleUsers } from './moodle-users.import';
import { readSamisRoster } from './samis-roster.import';

export type { IdentityImportDeps } from './identity-import-record';

/**
 * Moodle's user download (id, username, email, idnumber, ...) teaches the identity map which Moodle
 * user id is which student: matched by idnumber (the Samis student code) or by e-mail, nothing else.
 */
export function importMoodleUsers(
  deps: IdentityImportDeps,
  options: { path: string; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  return recordedWhileRunning(deps, options, 'moodle-users', (running) => readMoodleUsers(running, options));
}

/**
 * A Samis roster: the departments (code and name), each student's programme (the course code),
 * year, enrolment status (mapped by SAMIS_STATUS_MAP), start date, and personal tutor (code, name,
 * e-mail). Importing it creates or updates the departments and the tutors as staff with the personal
 * tutor role, then the students linked to them. `departmentId` limits the import to one department's
 * rows. Students missing from the roster are reported and left as they are.
 */
export function importSamisRoster(
  deps: IdentityImportDeps,
  options: { path: string; departmentId?: string | undefined; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  return recordedWhileRunning(deps, options, 'samis-roster', (running) => readSamisRoster(running, options));
}
