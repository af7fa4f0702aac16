import { z } from 'zod';
import type { Db } from './database';
import { newId } from './ids';

const WarningsSchema = z.array(z.string());

export async function recordEvaluation(
  db: Db,
  e: { departmentId: string; today: string; evaluatedAt: string; flags: number; warnings: string[] },
): Promise<string> {
  const id = newId();
  await db
    .insertInto('evaluations')
    .values({
      id,
      department_id: e.departmentId,
      today: e.today,
      evaluated_at: e.evaluatedAt,
      flags: e.flags,
      warnings: JSON.stringify(e.warnings),
    })
    .execute();
  return id;
}

export async function findLatestEvaluation(
  db: Db,
  departmentId: string,
): Promise<{ evaluatedAt: string; flags: number; warnings: string[] } | undefined> {
  const row = await db
    .selectFrom('evaluations')
    .selectAll()
    .where('department_id', '=', departmentId)
    .orderBy('evaluated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { evaluatedAt: row.evaluated_at, flags: row.flags, warnings: WarningsSchema.parse(JSON.parse(row.warnings)) };
}
