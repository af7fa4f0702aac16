import { createXXHash128, xxhash128 } from 'hash-wasm';
import { join } from 'node:path';
import type { Db } from '../../bot/store/database';
import { insertIdentities } from '../../bot/store/identity.repository';
import { parseConfig, type IngestConfig } from '../../bot/config';
import type { ParseSettings } from '../../bot/ingest/formats/format';
import { buildStudent, seedDepartment, seedPeople } from '../support/factories';

export const fixture = (...parts: string[]): string => join(__dirname, '..', 'fixtures', ...parts);

export const CAMPUS = 'Europe/London';

/** The header of a Moodle log downloaded in the French language pack, as an administrator copies it into MOODLE_LOG_STRINGS. */
export const FRENCH_MOODLE_HEADERS = {
  Time: 'Heure',
  'User full name': "Nom complet de l'utilisateur",
  'Affected user': 'Utilisateur concerné',
  'Event context': "Contexte de l'événement",
  Component: 'Composant',
  'Event name': "Nom de l'événement",
  Origin: 'Origine',
  'IP address': 'Adresse IP',
};

export function parseSettings(overrides: Partial<ParseSettings> = {}): ParseSettings {
  return {
    campusTimeZone: CAMPUS,
    sourceTimeZone: CAMPUS,
    locale: null,
    period: null,
    samisLoginColumns: { studentCode: 'STU_CODE', time: 'LOGIN_TIME' },
    ...overrides,
  };
}

export function ingestConfig(env: Record<string, string> = {}): IngestConfig {
  return parseConfig({ DATABASE_URL: 'sqlite::memory:', ...env }).ingest;
}

/** The three synthetic students the fixtures name, with every identity the exports use for them. */
export const SIAN = buildStudent({ id: 'S1000001', givenName: 'Siân', familyName: 'Ó Briain', email: 'sian.obriain@example.ac.uk' });
export const ZOE = buildStudent({ id: 'S1000002', givenName: 'Zoë', familyName: 'Jones', email: 'zoe.jones@example.ac.uk' });
export const OLA = buildStudent({ id: 'S1000003', givenName: 'Ola', familyName: 'Nordmann', email: 'ola.nordmann@example.ac.uk' });

export async function seedFixturePeople(db: Db): Promise<void> {
  await seedDepartment(db);
  await seedPeople(db, { students: [SIAN, ZOE, OLA] });
  await insertIdentities(db, [
    { sourceSystem: 'moodle', externalKey: '2113', studentId: SIAN.id },
    { sourceSystem: 'moodle', externalKey: '2114', studentId: ZOE.id },
    { sourceSystem: 'moodle', externalKey: '2115', studentId: OLA.id },
    { sourceSystem: 'panopto', externalKey: 'moodle-prod\\ab123', studentId: SIAN.id },
    { sourceSystem: 'panopto', externalKey: 'moodle-prod\\cd456', studentId: ZOE.id },
    ...[SIAN, ZOE, OLA].flatMap((s) => [
      { sourceSystem: 'email', externalKey: s.email ?? '', studentId: s.id },
      { sourceSystem: 'samis', externalKey: s.id, studentId: s.id },
    ]),
  ]);
}

/**
 * A site log download as Moodle writes it (BOM, newest first, CRLF as a Windows hand re-saved it): one
 * student's "Submission created." at the start of the day and "A submission has been submitted." for
 * the same assignment at its end, with 600 logins of others between, so any cut falls between them.
 */
export function submissionAcrossParts(): string {
  const row = (time: string, event: string, description: string) =>
    `"${time}","Siân Ó Briain",-,"Assignment: Lab report 3","File submissions","${event}","${description}",web,203.0.113.20`;
  const lines = ['\uFEFFTime,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"'];
  lines.push(
    row(
      '15/11/23, 17:45:02',
      'A submission has been submitted.',
      "The user with id '2113' has submitted the submission with id '901' for the assignment with course module id '601'.",
    ),
  );
  for (let i = 0; i < 600; i++) {
    const minute = String(59 - (i % 60)).padStart(2, '0');
    lines.push(
      row(`15/11/23, 1${6 - Math.floor(i / 100)}:${minute}:00`, 'User has logged in', `The user with id '${3000 + i}' has logged in.`),
    );
  }
  lines.push(
    row(
      '15/11/23, 09:30:00',
      'Submission created.',
      "The user with id '2113' created a file submission and uploaded '1' file/s in the assignment with course module id '601'.",
    ),
  );
  return lines.join('\r\n') + '\r\n';
}

/**
 * A file's identity worked out here from its bytes, as file-identity.ts documents it: the XXH3-128 of each 8 MiB segment (hash-wasm's
 * one-shot function), then the XXH3-128 of those digests and the length. The readers make it a block at a time, in parts or not.
 */
export async function identityOfBytes(bytes: Uint8Array): Promise<string> {
  const segment = 8 * 1024 * 1024;
  const outer = await createXXHash128();
  outer.init();
  for (let at = 0; at < bytes.length; at += segment) outer.update(Buffer.from(await xxhash128(bytes.subarray(at, at + segment)), 'hex'));
  outer.update(String(bytes.length));
  return `xxh128-8m:${outer.digest('hex')}`;
}
