import { randomUUID } from 'node:crypto';

/** Record ids are random UUIDs, so several instances can insert without a shared sequence. */
export const newId = (): string => randomUUID();

/** Splits rows into batches small enough for both databases' bound-parameter limits. */
export function chunk<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
