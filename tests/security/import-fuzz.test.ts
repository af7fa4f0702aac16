import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { sql } from 'kysely';
import { uploadImport } from '../../bot/commands/upload-import.command';
import { importMoodleUsers, importSamisRoster } from '../../bot/ingest/identity-imports.command';
import { AppError } from '../../bot/errors';
import type { Db } from '../../bot/store/database';
import type { UploadSource } from '../../shared/api/data';
import { buildTestConfig, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStaff, seedPeople } from '../support/factories';
import { fixture, seedFixturePeople } from '../ingest/support';

/** Runs per importer: enough to meet every kind of mutation several times, few enough to keep the suite quick. */
const RUNS = 40;
/** How far the process's resident memory may rise over a whole importer's runs. */
const MEMORY_HEADROOM_MB = 150;

const GENUINE: Record<UploadSource | 'moodle-users' | 'samis-roster', string[]> = {
  moodle: ['moodle/site-log.csv', 'moodle/course-log.csv', 'moodle/logstore.csv'],
  panopto: ['panopto/session-views.csv', 'panopto/system-views.csv'],
  teams: ['teams/attendance-2021.csv', 'teams/attendance-uk.csv', 'teams/attendance-us.csv'],
  'samis-logins': ['samis/logins.csv'],
  'moodle-users': ['moodle/users.csv'],
  'samis-roster': ['samis/roster.csv'],
};

/** One edit of a genuine file, as a broken download, a spreadsheet round trip or an attacker would make it. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat({ max: 400 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({
    kind: fc.constant('insert-text' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '"',
      '""',
      ',',
      '\t',
      '\n',
      '\r\n',
      '\r',
      '\u0000',
      '\uFEFF',
      '=cmd|',
      'é',
      '\uD800',
      '31/02/2026 25:61',
      '-1',
      '9'.repeat(40),
    ),
  }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('long-line' as const), at: fc.nat(), length: fc.integer({ min: 1_000, max: 1_200_000 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(file: Buffer, edits: readonly Mutation[]): Buffer {
  let out = file;
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : ('at' in edit ? edit.at : 0) % (out.length + 1);
    switch (edit.kind) {
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + edit.length)]);
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.from(edit.bytes), out.subarray(at)]);
        break;
      case 'insert-text':
        out = Buffer.concat([out.subarray(0, at), Buffer.from(edit.text), out.subarray(at)]);
        break;
      case 'duplicate-line': {
        const lines = out.toString('latin1').split('\n');
        const i = edit.line % lines.length;
        lines.splice(i, 0, lines[i] ?? '');
        out = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'flip':
        if (out.length > 0) out = Buffer.concat([out.subarray(0, at), Buffer.from([edit.value]), out.subarray(at + 1)]);
        break;
      case 'long-line':
        out = Buffer.concat([out.subarray(0, at), Buffer.alloc(edit.length, 0x61), out.subarray(at)]);
        break;
    }
  }
  return out;
}

/** A file to import: a genuine export with a few edits, or bytes with no shape at all. */
const fileFor = (kind: keyof typeof GENUINE) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...GENUINE[kind]), fc.array(mutation, { minLength: 1, maxLength: 4 })) },
    { weight: 1, arbitrary: fc.tuple(fc.constant(null), fc.uint8Array({ maxLength: 4096 })) },
  );

/** Everything an import can change, in one comparable line. */
async function storedState(db: Db): Promise<string> {
  const { rows } = await sql<Record<string, unknown>>`select
      (select count(*) from activity_counts) as counts, (select coalesce(sum(count), 0) from activity_counts) as total,
      (select count(*) from import_counts) as contributions, (select count(*) from identities) as identities,
      (select count(*) from students) as students, (select count(*) from imports) as imports`.execute(db);
  return JSON.stringify(rows[0]);
}

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;

describe('every importer, fed random and mutated genuine files', () => {
  let t: TestDatabase;
  let dir: string;
  const config = buildTestConfig();
  const admin = buildStaff({ departmentId: 'dept-a', roles: ['department_admin'] });
  const deps = () => ({ db: t.db, ingest: config.ingest, now: () => new Date('2026-11-28T10:00:00Z') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-fuzz-'));
    t = await createTestDatabase('sqlite');
    await seedFixturePeople(t.db);
    await seedPeople(t.db, { staff: [admin] });
  });
  afterAll(async () => {
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bytesOf = ([name, edits]: [string | null, readonly Mutation[] | Uint8Array]) =>
    name === null ? Buffer.from(edits as Uint8Array) : mutate(readFileSync(fixture(...name.split('/'))), edits as readonly Mutation[]);

  it.each(['moodle', 'panopto', 'teams', 'samis-logins'] as const)(
    'when %s uploads are mutated or random, then nothing throws but a 4xx, a refused file stores nothing, and memory stays bounded',
    async (source) => {
      const start = rssMb();
      let peak = start;
      await fc.assert(
        fc.asyncProperty(fileFor(source), async (file) => {
          const before = await storedState(t.db);
          const body = bytesOf(file);
          const outcome = await uploadImport({ db: t.db, config, now: deps().now }, admin, {
            source,
            fileName: 'fuzz.csv',
            body: Readable.from([body]),
          }).then(
            (result) => ({ ok: true as const, result }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          peak = Math.max(peak, rssMb());
          if (outcome.ok) return;
          expect(outcome.error).toBeInstanceOf(AppError);
          expect((outcome.error as AppError).status).toBeGreaterThanOrEqual(400);
          expect((outcome.error as AppError).status).toBeLessThan(500);
          expect(await storedState(t.db)).toBe(before);
        }),
        { numRuns: RUNS, seed: 13 },
      );
      expect(peak - start).toBeLessThan(MEMORY_HEADROOM_MB);
    },
    120_000,
  );

  it.each([
    ['moodle-users', (path: string) => importMoodleUsers(deps(), { path })],
    ['samis-roster', (path: string) => importSamisRoster(deps(), { path, departmentId: 'dept-a' })],
  ] as const)(
    'when the %s identity import is fed mutated or random files, then it never throws and a failed file stores nothing',
    async (kind, run) => {
      const start = rssMb();
      let peak = start;
      await fc.assert(
        fc.asyncProperty(fileFor(kind), async (file) => {
          const path = join(dir, `${kind}.csv`);
          writeFileSync(path, bytesOf(file));
          const counts = async () => JSON.parse(await storedState(t.db)) as Record<string, unknown>;
          const before = await counts();
          const summary = await run(path);
          peak = Math.max(peak, rssMb());
          if (summary.status !== 'failed') return;
          const after = await counts();
          // A failed identity import is recorded in the history (the command-line report), and changes nothing else.
          expect({ ...after, imports: 0 }).toEqual({ ...before, imports: 0 });
          expect(summary.errors.length).toBeGreaterThan(0);
        }),
        { numRuns: RUNS, seed: 13 },
      );
      expect(peak - start).toBeLessThan(MEMORY_HEADROOM_MB);
    },
    120_000,
  );
});
