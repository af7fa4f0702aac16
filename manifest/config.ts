import { z } from 'zod';
import { version as projectVersion } from '../package.json';

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const NIL_GUID = '00000000-0000-0000-0000-000000000000';

/** A required GUID, with a hint saying where the value comes from when it is missing. */
const guid = (whereFrom: string) =>
  z
    .string({ error: `missing: set it to ${whereFrom}` })
    .trim()
    .regex(GUID, 'expected a GUID such as 6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d')
    .refine((v) => v !== NIL_GUID, 'is the all-zero placeholder GUID: use the real one')
    .transform((v) => v.toLowerCase());

const httpsUrl = (example: string) =>
  z
    .url({ protocol: /^https$/, error: `expected an https:// address such as ${example}` })
    .refine((v) => !/\s/.test(v), 'must not contain spaces');

/**
 * The settings `npm run package` reads. PUBLIC_URL and MICROSOFT_APP_ID are the service's own
 * variables (bot/config.ts), so the package and the running service cannot disagree about them.
 */
const PackageEnvSchema = z.object({
  TEAMS_APP_ID: guid(
    'a GUID that names this app in Teams: generate one once (for example with uuidgen) and keep it, because Teams treats a new id as a different app',
  ),
  MICROSOFT_APP_ID: guid("the Azure Bot resource's Microsoft App ID"),
  SSO_CLIENT_ID: guid(
    'the Application (client) ID of the Entra app registration that exposes the access_as_user scope (it may be the bot registration)',
  ),
  PUBLIC_URL: z
    .string({ error: 'missing: set it to the https address where the service is reachable, such as https://engagement.example.ac.uk' })
    .pipe(httpsUrl('https://engagement.example.ac.uk'))
    .refine((v) => {
      const url = new URL(v);
      return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash;
    }, 'must be the site root with no path, query or fragment (the tab, the API and /api/messages are all served from the root)'),
  MANIFEST_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'expected MAJOR.MINOR.PATCH such as 1.0.1; Teams needs a higher version for every update of the app')
    .default(projectVersion),
  MANIFEST_DEVELOPER_NAME: z.string().trim().min(1).max(32, 'must be at most 32 characters (a Teams limit)').default('Engagement Monitor'),
  MANIFEST_WEBSITE_URL: httpsUrl('https://www.example.ac.uk/student-wellbeing').optional(),
  MANIFEST_PRIVACY_URL: z
    .string({ error: "missing: set it to the https address of your university's privacy notice for engagement monitoring" })
    .pipe(httpsUrl('https://www.example.ac.uk/privacy/engagement-monitoring')),
  MANIFEST_TERMS_URL: httpsUrl('https://www.example.ac.uk/it/acceptable-use').optional(),
});

export type PackageConfig = Readonly<{
  teamsAppId: string;
  botId: string;
  ssoClientId: string;
  /** Origin without a trailing slash, such as https://engagement.example.ac.uk. */
  publicUrl: string;
  /** Host name, with the port when it is not the default one. */
  host: string;
  version: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
}>;

export class PackageConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cannot build the app package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageConfigError';
  }
}

/** Validates the packaging settings, reporting every missing or malformed one together. */
export function parsePackageConfig(env: Record<string, string | undefined>): PackageConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = PackageEnvSchema.safeParse(present);
  if (!parsed.success) throw new PackageConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.data;
  const url = new URL(e.PUBLIC_URL);
  return Object.freeze({
    teamsAppId: e.TEAMS_APP_ID,
    botId: e.MICROSOFT_APP_ID,
    ssoClientId: e.SSO_CLIENT_ID,
    publicUrl: url.origin,
    host: url.host,
    version: e.MANIFEST_VERSION,
    developer: Object.freeze({
      name: e.MANIFEST_DEVELOPER_NAME,
      websiteUrl: e.MANIFEST_WEBSITE_URL ?? `${url.origin}/`,
      privacyUrl: e.MANIFEST_PRIVACY_URL,
      termsOfUseUrl: e.MANIFEST_TERMS_URL ?? e.MANIFEST_PRIVACY_URL,
    }),
  });
}

/** The process environment, parsed: the only read of process.env by the packaging script. */
export function loadPackageConfig(): PackageConfig {
  return parsePackageConfig(process.env);
}
