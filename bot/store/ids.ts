import { v7 as uuidv7 } from 'uuid';

/**
 * Record ids are UUIDv7: random enough for several instances to insert without a shared sequence,
 * and time-ordered, so events written in the same millisecond still sort in the order written.
 */
export const newId = (): string => uuidv7();

/** Splits rows into batches small enough for both databases' bound-parameter limits. */
export function chunk<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
