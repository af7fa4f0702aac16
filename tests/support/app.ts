import { createApp, type App, type AppOptions } from '../../bot/app';
import { buildTestConfig, silentLogger } from './databases';

/** Contacts a university would set; production refuses to start without real ones. */
export const UNIVERSITY_CONTACTS_ENV = {
  PRIVACY_NOTICE_URL: 'https://www.engagement.ac.uk/privacy/engagement-monitoring',
  SUPPORT_CONTACTS: '[{"name":"Wellbeing Service","detail":"wellbeing@engagement.ac.uk, 01632 960000"}]',
  URGENT_CONTACTS:
    '[{"name":"Samaritans (24 hours)","detail":"Call 116 123 free, any time."},{"name":"Campus security (24 hours)","detail":"01632 960999"}]',
} as const;

export interface RunningApp {
  app: App;
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts the real service on an ephemeral port, as main.ts would, minus signal handling. */
export async function startTestApp(env: Record<string, string> = {}, options: AppOptions = {}): Promise<RunningApp> {
  const app = createApp(buildTestConfig(env), { logger: silentLogger, ...options });
  await app.prepare();
  const { port } = await app.listen();
  return { app, baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}
