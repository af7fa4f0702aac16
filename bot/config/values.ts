import { z } from 'zod';

/** A yes/no setting: true, false, 1, 0, yes or no. */
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

/** A JSON object in one variable, e.g. SAMIS_STATUS_MAP='{"EN":"active","SU":"suspended"}'. */
export function jsonObject<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .optional()
    .transform((text, ctx): z.infer<T> | undefined => {
      if (text === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
        return z.NEVER;
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({
          code: 'custom',
          message: parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join(', '),
        });
        return z.NEVER;
      }
      return parsed.data;
    });
}

export const int = (fallback: number, min: number, max: number) =>
  z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(min).max(max).default(fallback);

// Graph's SDK attaches the access token only to https hosts, so an http URL would silently send no token.
export const httpsUrl = (fallback: string) =>
  z
    .url({ message: 'expected an absolute https URL' })
    .refine((v) => v.startsWith('https://'), 'expected an https URL: Graph tokens are only sent over https')
    .transform((v) => v.replace(/\/+$/, ''))
    .default(fallback);
