import type { z } from 'zod';
import { badRequest } from '../errors';

// A hostile body can break a rule thousands of times (60,000 unknown keys were one 700 KB answer): the answer names the first few.
const MAX_PROBLEMS = 10;
const MAX_PROBLEM_CHARS = 200;

/** Parses input with a contract; its problems are reported at once as a 400 naming each field, the first ten of them. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const all = parsed.error.issues.map((i) => {
    const problem = `${i.path.join('.') || what}: ${i.message}`;
    return problem.length > MAX_PROBLEM_CHARS ? `${problem.slice(0, MAX_PROBLEM_CHARS - 1)}…` : problem;
  });
  const problems = all.length > MAX_PROBLEMS ? [...all.slice(0, MAX_PROBLEMS), `and ${all.length - MAX_PROBLEMS} more`] : all;
  throw badRequest(`The ${what} is not valid: ${problems.join('; ')}.`, problems);
}
