/**
 * One measured import in its own process, so its peak RSS is its own: `tsx import-child.ts
 * <decode|read|read-papa|parse|parse-one-piece|parse-in-parts|duckdb|sqlite|postgres|sqlite-reimport|postgres-reimport> <file> <workdir>`.
 * Prints one JSON line. The -reimport modes import the file, then at once a corrected copy (less its last row) and time that.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client } from 'pg';
import { parseConfig } from '../../bot/config';
import { createDatabase, migrateToLatest, type Db } from '../../bot/store/database';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertIdentities } from '../../bot/store/identity.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { readDelimited } from '../../bot/ingest/read-delimited';
import { parseExport } from '../../bot/ingest/parse-export';
import { importExport } from '../../bot/ingest/import.command';
import { fileIdentityHash } from '../../bot/ingest/file-identity';
import { BENCH_STUDENTS, benchMoodleUserId } from './moodle-log-generator';

const [mode, file, workdir] = process.argv.slice(2) as [string, string, string];
const TZ = 'Europe/London';
const ingest = parseConfig({ DATABASE_URL: 'sqlite::memory:' }).ingest;
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// CPU time of every thread of this process (workers, DuckDB's threads) from the start of the measured work.
let cpuAtStart: NodeJS.CpuUsage | undefined;

async function seed(db: Db): Promise<void> {
  const now = new Date().toISOString();
  await insertDepartment(db, { id: 'bench', name: 'Bench', isDemo: false }, now);
  const students: Student[] = Array.from({ length: BENCH_STUDENTS }, (_, n) => ({
    id: `B${String(n).padStart(7, '0')}`,
    departmentId: 'bench',
    givenName: 'Bench',
    familyName: `Student ${n}`,
    email: null,
    entraId: null,
    programme: 'P',
    year: 1,
    status: 'active',
    tutorId: null,
  }));
  await insertStudents(db, students, now);
  await insertIdentities(
    db,
    students.map((s, n) => ({ sourceSystem: 'moodle', externalKey: benchMoodleUserId(n), studentId: s.id })),
  );
}

async function main(): Promise<Record<string, unknown>> {
  const started = performance.now();
  cpuAtStart = process.cpuUsage();
  if (mode === 'decode') {
    // Bytes only: read, hash (the file's identity) and strictly decode, as the reader does before any CSV tokenising.
    const hash = await fileIdentityHash();
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let newlines = 0;
    let bytes = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      const text = decoder.decode(chunk, { stream: true });
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) newlines += 1;
    }
    await hash.digest(bytes);
    return { rows: newlines - 1, ms: performance.now() - started };
  }
  if (mode === 'read' || mode === 'read-papa') {
    // read: the fast line reader as imports use it; read-papa: Papa Parse for every line, the reference it falls back to.
    let rows = 0;
    await readDelimited(file, { delimiter: ',', fastPath: mode === 'read', onRecord: () => ((rows += 1), true) });
    return { rows: rows - 1, ms: performance.now() - started };
  }
  if (mode === 'duckdb') {
    // The reference: DuckDB reads the same file with the same two threads and groups by (user, day, event kind),
    // the counting rules of bot/ingest/formats/moodle.ts in SQL. Only the events that count are kept, as ours does.
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const connection = await instance.connect();
    const csv = file.replace(/'/g, "''");
    const reader = await connection.runAndReadAll(`
      select user_id, day, kind, count(*) as n from (
        select regexp_extract("Description", '^The user with id ''(\\d+)''', 1) as user_id,
               cast(strptime("Time", ['%d/%m/%y, %H:%M:%S', '%d/%m/%y, %H:%M']) as date) as day,
               case "Event name"
                 when 'User has logged in' then 'login'
                 when 'A submission has been submitted.' then 'submission'
                 when 'Submission created.' then 'submission'
                 when 'Submission updated.' then 'submission'
                 when 'Quiz attempt submitted' then 'submission'
               end as kind
        from read_csv('${csv}', header = true, delim = ',', quote = '"', escape = '"', all_varchar = true)
      ) where kind is not null group by all`);
    const countKeys = reader.getRows().length;
    const ms = performance.now() - started;
    connection.closeSync();
    instance.closeSync();
    return { rows: 0, ms, countKeys };
  }
  if (mode === 'parse' || mode === 'parse-one-piece' || mode === 'parse-in-parts') {
    // parse: as imports run it (a site log of 64 MiB or more on this thread and one worker); parse-one-piece: on this thread
    // alone; parse-in-parts: in two parts on two worker threads.
    const parts = mode === 'parse' ? undefined : mode === 'parse-one-piece' ? 1 : 2;
    const parsed = await parseExport(
      file,
      'moodle',
      {
        campusTimeZone: TZ,
        sourceTimeZone: TZ,
        locale: null,
        period: null,
        samisLoginColumns: ingest.samisLoginColumns,
      },
      undefined,
      true,
      parts,
    );
    if (parsed.fatal) throw new Error(parsed.fatal);
    return { rows: parsed.tally.rowsRead, ms: performance.now() - started, countKeys: parsed.tally.size };
  }
  let db: Db;
  let cleanup = async () => undefined as void;
  const reimport = mode.endsWith('-reimport');
  if (mode.startsWith('sqlite')) {
    db = createDatabase({ kind: 'sqlite', path: join(workdir, 'bench.sqlite') });
  } else {
    const schema = `bench_${randomBytes(5).toString('hex')}`;
    const admin = new Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    db = createDatabase({ kind: 'postgres', url: pgUrl, poolSize: 2, searchPath: schema });
    cleanup = async () => {
      const c = new Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    };
  }
  try {
    await migrateToLatest(db);
    await seed(db);
    let importStarted = performance.now();
    let summary = await importExport({ db, ingest, campusTimeZone: TZ, now: () => new Date() }, { source: 'moodle', path: file });
    if (summary.status !== 'succeeded') throw new Error(`import ${summary.status}: ${summary.errors.join('; ')}`);
    if (reimport) {
      // A corrected export of the same period, imported at once after the first (before autovacuum has looked at
      // the tables): the same rows less the last, so it is another file that replaces the first one's counts.
      const corrected = join(workdir, 'corrected.csv');
      const text = await readFile(file, 'utf8');
      await writeFile(corrected, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1));
      importStarted = performance.now();
      summary = await importExport({ db, ingest, campusTimeZone: TZ, now: () => new Date() }, { source: 'moodle', path: corrected });
      if (summary.status !== 'succeeded') throw new Error(`re-import ${summary.status}: ${summary.errors.join('; ')}`);
    }
    const countRows = await db
      .selectFrom('activity_counts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { rows: summary.rowsRead, ms: performance.now() - importStarted, timings: summary.timings, countRows: Number(countRows.n) };
  } finally {
    await db.destroy();
    await cleanup();
  }
}

main()
  .then((result) => {
    const cpu = process.cpuUsage(cpuAtStart);
    console.log(JSON.stringify({ ...result, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
