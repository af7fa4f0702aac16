import { join } from 'node:path';
import type { Db } from '../../bot/store/database';
import { insertIdentities } from '../../bot/store/identity.repository';
import { parseConfig, type IngestConfig } from '../../bot/config';
import type { ParseSettings } from '../../bot/ingest/formats/format';
import { buildStudent, seedDepartment, seedPeople } from '../support/factories';

export const fixture = (...parts: string[]): string => join(__dirname, '..', 'fixtures', ...parts);

export const CAMPUS = 'Europe/London';

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
