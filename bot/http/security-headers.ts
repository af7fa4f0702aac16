import type { Request, Response, Next, Server } from 'restify';

/**
 * The hosts that embed Teams and Microsoft 365 tabs, as listed under "Set Content Security Policy
 * headers to allow Teams and any other host applications of your app" in
 * https://learn.microsoft.com/en-us/microsoftteams/platform/tabs/how-to/tab-requirements
 * (*.cloud.microsoft is where Teams, Outlook and Microsoft 365 on the web are moving; the older hosts stay during the move).
 */
export const TAB_FRAME_ANCESTORS = [
  'https://*.cloud.microsoft',
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://outlook-sdf.office.com',
  'https://outlook-sdf.office365.com',
] as const;

/** The policy for every page; Fluent UI writes its styles at run time, so styles may be inline and scripts may not. */
export function contentSecurityPolicy(allowInlineScript: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self'${allowInlineScript ? " 'unsafe-inline'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    // 'self' only lets the service frame its own pages (as the configure page's host stand-in does in tests).
    `frame-ancestors 'self' ${TAB_FRAME_ANCESTORS.join(' ')}`,
  ].join('; ');
}

/**
 * Headers on every response, set before routing so refusals and 404s carry them too. Answers are
 * `no-store` unless a handler says otherwise (the tab's hashed files do): API answers name students,
 * and no shared cache or browser history should keep them.
 */
export function useSecurityHeaders(server: Server, options: { publicUrl: string; inlineScriptPaths?: readonly string[] }): void {
  const hsts = options.publicUrl.startsWith('https://');
  const policy = contentSecurityPolicy(false);
  // The Teams configure page's one inline script tells Teams what the tab shows; it holds no data.
  const inlinePolicy = contentSecurityPolicy(true);
  const inlinePaths = new Set(options.inlineScriptPaths ?? []);
  server.pre((req: Request, res: Response, next: Next) => {
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('content-security-policy', path !== undefined && inlinePaths.has(path) ? inlinePolicy : policy);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-store');
    if (hsts) res.setHeader('strict-transport-security', 'max-age=31536000');
    return next();
  });
}
