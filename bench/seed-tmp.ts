import { SOURCES } from '../shared/domain';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { Client } from 'pg';
import { createDatabase, migrateToLatest } from '../bot/store/database';
import { generateSyntheticDepartment } from './support/synthetic';
(async () => {
  const kind = process.argv[2] ?? 'sqlite';
  const dept = generateSyntheticDepartment(30000);
  // reuse the bench's seeding through a dynamic import of its internals is not exported; inline copy
  const mod = await import('./benchmarks/evaluate-store.bench');
  void mod;
  if (kind === 'postgres') { const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' }); await c.connect(); await c.query('drop schema if exists benchexp cascade; create schema benchexp'); await c.end(); }
  const db = kind === 'sqlite' ? createDatabase({ kind: 'sqlite', path: '/tmp/benchdb.sqlite' }) : createDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', poolSize: 4, searchPath: 'benchexp' });
  await migrateToLatest(db, kind === 'postgres' ? 'benchexp' : undefined);
  const { seedForExperiment } = await import('./benchmarks/evaluate-store.bench');
  await seedForExperiment(db, dept, kind, '/tmp/benchdb.sqlite');
  await db.destroy();
  console.log('seeded');
})();
