import { app, authentication } from '@microsoft/teams-js';

export type ThemeName = 'default' | 'dark' | 'contrast';
/** `studentId`: the student a card's deep link asked for (the Teams sub-entity, or `?student=` outside Teams). */
export type Host = { kind: 'teams'; theme: ThemeName; studentId: string | null } | { kind: 'browser'; studentId: string | null };

const studentFromQuery = (): string | null => new URLSearchParams(window.location.search).get('student') || null;

const asTheme = (t: string | undefined): ThemeName => (t === 'dark' || t === 'contrast' ? t : 'default');

/**
 * Outside Teams, app.initialize() rejects at once or hangs for a minute in a foreign frame, so it
 * races a short timeout; losing the race means "running in a plain browser".
 */
export async function detectHost(timeoutMs = 3000): Promise<Host> {
  if (window.parent === window) return { kind: 'browser', studentId: studentFromQuery() };
  try {
    await Promise.race([app.initialize(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs))]);
    const context = await app.getContext();
    return { kind: 'teams', theme: asTheme(context.app.theme), studentId: context.page.subPageId || studentFromQuery() };
  } catch {
    return { kind: 'browser', studentId: studentFromQuery() };
  }
}

/** Follows Teams when the user switches between light, dark and high contrast. */
export function onTeamsThemeChange(handler: (theme: ThemeName) => void): void {
  app.registerOnThemeChangeHandler((t) => handler(asTheme(t)));
}

/** A Teams SSO token for the tab API; teams-js caches it and renews it before it expires. */
export async function teamsAuthorization(): Promise<string> {
  try {
    return `Bearer ${await authentication.getAuthToken()}`;
  } catch (error) {
    // Teams rejects with a bare reason (e.g. consent not yet given); say what a member of staff can do.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Teams could not sign you in to Engagement Monitor (${reason}). Please reload the tab; if this keeps happening, ask your administrator to grant the app consent.`,
    );
  }
}

/** Outside Teams (local mode), follow the browser's dark mode and forced-colours (high contrast) settings. */
export function browserTheme(): ThemeName {
  if (window.matchMedia('(forced-colors: active)').matches) return 'contrast';
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'default';
}
