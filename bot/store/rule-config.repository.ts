import { parseRulesConfig, type RulesConfig } from '../../shared/rules/config';
import type { Db } from './database';

export interface StoredRuleConfig {
  departmentId: string;
  /** What the department wrote: only the settings it changed. */
  overrides: unknown;
  updatedAt: string;
  updatedBy: string | null;
}

export async function findRuleConfig(db: Db, departmentId: string): Promise<StoredRuleConfig | undefined> {
  const row = await db.selectFrom('rule_configs').selectAll().where('department_id', '=', departmentId).executeTakeFirst();
  return (
    row && {
      departmentId: row.department_id,
      overrides: JSON.parse(row.config) as unknown,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    }
  );
}

/**
 * Stores a department's settings after validating them (RulesConfigError lists every problem), keeping
 * only what the department wrote so later changes to the defaults still reach it. Returns the effective config.
 */
export async function saveRuleConfig(
  db: Db,
  departmentId: string,
  overrides: unknown,
  by: string | null,
  at: string,
): Promise<RulesConfig> {
  const effective = parseRulesConfig(overrides);
  const config = JSON.stringify(overrides ?? {});
  await db
    .insertInto('rule_configs')
    .values({ department_id: departmentId, config, updated_at: at, updated_by: by })
    .onConflict((oc) => oc.column('department_id').doUpdateSet({ config, updated_at: at, updated_by: by }))
    .execute();
  return effective;
}
