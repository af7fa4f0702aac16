import { app } from '@microsoft/teams-js';

export type Host = { kind: 'teams'; theme: string } | { kind: 'browser' };

/**
 * Outside Teams, app.initialize() rejects at once or hangs for a minute in a foreign frame, so it
 * races a short timeout; losing the race means "running in a plain browser".
 */
export async function detectHost(timeoutMs = 3000): Promise<Host> {
  if (window.parent === window) return { kind: 'browser' };
  try {
    await Promise.race([app.initialize(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs))]);
    const context = await app.getContext();
    return { kind: 'teams', theme: context.app.theme ?? 'default' };
  } catch {
    return { kind: 'browser' };
  }
}
