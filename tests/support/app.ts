import { createApp, type App, type AppOptions } from '../../bot/app';
import { buildTestConfig, silentLogger } from './databases';

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
